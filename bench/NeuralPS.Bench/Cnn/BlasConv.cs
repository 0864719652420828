using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench.Cnn;

/// <summary>The reference convolution of the conv benchmark: the same im2col as NeuralPS (one image at a
/// time, NCHW in place, as PyTorch's non-oneDNN path and Caffe do) with OpenBLAS's cblas_sgemm
/// (Debian's libopenblas0-pthread, loaded at run time; NEURALPS_OPENBLAS overrides the path).
/// Bench only: the engine never references BLAS.</summary>
internal static unsafe class BlasConv
{
    // Loading, thread control and cblas_sgemm come from the bench's one OpenBLAS harness.
    public static bool TryLoad(out string error) => OpenBlas.TryLoad(out error);

    public static void SetThreads(int n) => OpenBlas.SetThreads(n);

    public static void Gemm(bool ta, bool tb, int m, int n, int k, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        OpenBlas.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);

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
