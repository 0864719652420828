using NeuralPS.Bench.Common;
using NeuralPS.Bench.Kernels;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench;

/// <summary><c>path</c>: the vector path the engine's kernels take in this process (the widest the CPU and the
/// runtime's DOTNET_Enable* settings allow) and the SGEMM micro-kernel family, as one JSON line, e.g.
/// {"simd_path":"avx2","vector_bits":256,"sgemm_kernel":"Avx2","description":"CPU, 2 logical cores, AVX2+FMA (8 x float32)"}.
/// bench/compare.sh runs it once and writes the path into every row it reports.</summary>
public static class PathCommand
{
    public static int Run()
    {
        BenchJson.Write(("workload", "path"), ("simd_path", FmaPeak.Path), ("vector_bits", CpuBackend.SimdWidth * 32),
            ("sgemm_kernel", SgemmBlocking.Path.ToString()), ("description", CpuBackend.Instance.Description),
            ("l1d_kib", CacheInfo.L1Data / 1024), ("l2_kib", CacheInfo.L2 / 1024), ("l3_kib", CacheInfo.L3 / 1024), ("cache_source", CacheInfo.Source),
            ("mc", SgemmBlocking.Mc), ("kc_max", SgemmBlocking.KcMax), ("nc", SgemmBlocking.Nc));
        return 0;
    }
}
