using System.Runtime.InteropServices;

namespace NeuralPS.Bench;

/// <summary>A tiny P/Invoke harness over OpenBLAS for side-by-side SGEMM measurements. Bench only: the
/// engine never references BLAS. Loads Debian's libopenblas0-pthread (libopenblas.so.0) at run time, or
/// the path in NEURALPS_OPENBLAS; install with `apt-get install -y libopenblas0-pthread`.</summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> s_sgemm;
    private static delegate* unmanaged<int, void> s_setThreads;
    private static delegate* unmanaged<int> s_getThreads;
    private static delegate* unmanaged<byte*> s_coreName;
    private static delegate* unmanaged<byte*> s_config;
    private static string? s_loadedFrom;
    private static string? s_error;

    /// <summary>Loads the library once; false (with the reason) when it is not installed.</summary>
    public static bool TryLoad(out string error)
    {
        if (s_sgemm != null) { error = ""; return true; }
        if (s_error is not null) { error = s_error; return false; }
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable("NEURALPS_OPENBLAS");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.AddRange(new[]
        {
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "libopenblas.so.0", "libopenblas.so", "openblas",
        });
        foreach (string name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out nint sgemm)) continue;
            s_sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out nint set)) s_setThreads = (delegate* unmanaged<int, void>)set;
            if (NativeLibrary.TryGetExport(lib, "openblas_get_num_threads", out nint get)) s_getThreads = (delegate* unmanaged<int>)get;
            if (NativeLibrary.TryGetExport(lib, "openblas_get_corename", out nint core)) s_coreName = (delegate* unmanaged<byte*>)core;
            if (NativeLibrary.TryGetExport(lib, "openblas_get_config", out nint cfg)) s_config = (delegate* unmanaged<byte*>)cfg;
            s_loadedFrom = name;
            error = "";
            return true;
        }
        s_error = "OpenBLAS not found (install Debian's libopenblas0-pthread: apt-get install -y libopenblas0-pthread, or set NEURALPS_OPENBLAS to the library path).";
        error = s_error;
        return false;
    }

    public static string Description
    {
        get
        {
            string core = s_coreName != null ? Marshal.PtrToStringUTF8((nint)s_coreName()) ?? "?" : "?";
            string cfg = s_config != null ? Marshal.PtrToStringUTF8((nint)s_config()) ?? "?" : "?";
            return $"{s_loadedFrom}: {cfg.Trim()} (core {core})";
        }
    }

    public static void SetThreads(int threads)
    {
        if (s_setThreads != null) s_setThreads(threads);
    }

    public static int Threads => s_getThreads != null ? s_getThreads() : -1;

    /// <summary>Row-major C = alpha·op(A)·op(B) + beta·C, the same contract as Sgemm.Multiply without epilogue.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc)
        => s_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
