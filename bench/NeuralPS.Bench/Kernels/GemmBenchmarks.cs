using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench.Kernels;

/// <summary>BenchmarkDotNet: NeuralPS SGEMM vs OpenBLAS (baseline) on the issue-3 shapes at 1 and 2
/// threads, plus the fused Dense forward (bias + ReLU in the epilogue). For interleaved ratios on a noisy
/// machine prefer `NeuralPS.Bench gemm`; this gives BenchmarkDotNet's statistics and allocation counts
/// (the GEMM allocates nothing per call).</summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private float* _a, _b, _c, _bias;
    private GemmShape _s = GemmShape.All[0];

    [Params("sgemm-256", "sgemm-1024", "sgemm-128x784x256", "sgemm-128x256x10", "sgemm-dw-256x784x128", "sgemm-dx-128x784x256")]
    public string Shape { get; set; } = "sgemm-256";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _s = GemmShape.Parse(Shape);
        _a = Alloc((long)_s.ARows * _s.Lda);
        _b = Alloc((long)_s.BRows * _s.Ldb);
        _c = Alloc((long)_s.M * _s.N);
        _bias = Alloc(_s.N);
        var rnd = new Random(1);
        for (long i = 0; i < (long)_s.ARows * _s.Lda; i++) _a[i] = (float)rnd.NextDouble() - 0.5f;
        for (long i = 0; i < (long)_s.BRows * _s.Ldb; i++) _b[i] = (float)rnd.NextDouble() - 0.5f;
        for (int i = 0; i < _s.N; i++) _bias[i] = 0.1f;
        Sgemm.MaxThreads = Threads;
        if (OpenBlas.TryLoad(out _)) OpenBlas.SetThreads(Threads);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
        NativeMemory.AlignedFree(_bias);
    }

    [Benchmark(Baseline = true)]
    public void OpenBLAS()
    {
        if (!OpenBlas.TryLoad(out string error)) throw new InvalidOperationException(error);
        OpenBlas.Sgemm(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a, _s.Lda, _b, _s.Ldb, 0f, _c, _s.N);
    }

    [Benchmark]
    public void NeuralPS() => Sgemm.Multiply(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a, _s.Lda, _b, _s.Ldb, 0f, _c, _s.N);

    [Benchmark]
    public void NeuralPSBiasReLU() => Sgemm.Multiply(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a, _s.Lda, _b, _s.Ldb, 0f, _c, _s.N,
        new GemmEpilogue(_bias, null, ActivationKind.ReLU));

    private static float* Alloc(long n) => (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(n, 1) * sizeof(float)), 64);
}
