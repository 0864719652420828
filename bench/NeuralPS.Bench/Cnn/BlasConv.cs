using System.Runtime.InteropServices;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench.Cnn;

/// <summary>The reference convolution of the conv benchmark: the same im2col as NeuralPS (one image at a
/// time, NCHW in place, as PyTorch's non-oneDNN path and Caffe do) with OpenBLAS's cblas_sgemm
/// (Debian's libopenblas0-pthread, loaded at run time; NEURALPS_OPENBLAS overrides the path).
/// Bench only: the engine never references BLAS.</summary>
internal static unsafe class BlasConv
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;
    private static delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> s_sgemm;
    private static delegate* unmanaged<int, void> s_setThreads;
    private static string? s_error;

    public static bool TryLoad(out string error)
    {
        if (s_sgemm != null) { error = ""; return true; }
        if (s_error is not null) { error = s_error; return false; }
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable("NEURALPS_OPENBLAS");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.AddRange(new[] { "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", "libopenblas.so.0", "libopenblas.so" });
        foreach (string name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out nint sgemm)) continue;
            s_sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out nint set)) s_setThreads = (delegate* unmanaged<int, void>)set;
            error = "";
            return true;
        }
        s_error = "OpenBLAS not found (apt-get install -y libopenblas0-pthread, or set NEURALPS_OPENBLAS).";
        error = s_error;
        return false;
    }

    public static void SetThreads(int n)
    {
        if (s_setThreads != null) s_setThreads(n);
    }

    public static void Gemm(bool ta, bool tb, int m, int n, int k, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        s_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);

    /// <summary>y = conv(x, w) (no bias, groups = 1), per image: col = im2col(x_n); y_n = W·col.</summary>
    public static void Forward(float* x, float* w, float* y, in ConvolutionGeometry g, float* col)
    {
        int p = g.PatchSize, ohw = g.OutputPlane;
        for (int n = 0; n < g.Batch; n++)
        {
            Im2Col.Pack(x + (long)n * g.InputSize, x + (long)g.Batch * g.InputSize, 1, g, 0, col, ohw);
            Gemm(false, false, g.Filters, ohw, p, w, p, col, ohw, 0f, y + (long)n * g.OutputSize, ohw);
        }
    }

    /// <summary>dx = col2im(Wᵀ·dy_n) per image.</summary>
    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g, float* col)
    {
        int p = g.PatchSize, ohw = g.OutputPlane;
        new Span<float>(dx, g.Batch * g.InputSize).Clear();
        for (int n = 0; n < g.Batch; n++)
        {
            Gemm(true, false, p, ohw, g.Filters, w, p, dy + (long)n * g.OutputSize, ohw, 0f, col, ohw);
            Im2Col.Unpack(col, ohw, 1, g, 0, dx + (long)n * g.InputSize, dx + (long)(n + 1) * g.InputSize);
        }
    }

    /// <summary>dW += dy_n·im2col(x_n)ᵀ per image.</summary>
    public static void BackwardFilter(float* x, float* dy, float* dw, in ConvolutionGeometry g, float* col)
    {
        int p = g.PatchSize, ohw = g.OutputPlane;
        for (int n = 0; n < g.Batch; n++)
        {
            Im2Col.Pack(x + (long)n * g.InputSize, x + (long)g.Batch * g.InputSize, 1, g, 0, col, ohw);
            Gemm(false, true, g.Filters, p, ohw, dy + (long)n * g.OutputSize, ohw, col, ohw, n == 0 ? 0f : 1f, dw, p);
        }
    }
}
