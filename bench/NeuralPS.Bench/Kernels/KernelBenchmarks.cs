using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NeuralPS.Bench.Kernels;

/// <summary>`NeuralPS.Bench kernels [BenchmarkDotNet args]`: runs the BenchmarkDotNet classes of this
/// assembly (GemmBenchmarks and any other kernel benchmarks) in-process (only the .NET 10 runtime is
/// installed, so BenchmarkDotNet must not try to build a separate project per runtime).
/// Without arguments it runs everything (`--filter *`); e.g. `kernels --filter *Gemm*`.</summary>
public static class KernelBenchmarks
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(6))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        if (args.Length == 0) args = new[] { "--filter", "*" };
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
