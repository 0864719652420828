using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench.Common;

/// <summary><c>--threads N</c> for the bench commands: the engine's kernel thread count
/// (<see cref="Sgemm.MaxThreads"/>, which also defaults from NEURALPS_NUM_THREADS).
/// Not DOTNET_PROCESSOR_COUNT: that also changes the runtime's own spinning and JIT behaviour (batch-1
/// MLP inference measured ~8x slower under DOTNET_PROCESSOR_COUNT=1 than with NEURALPS_NUM_THREADS=1).</summary>
public static class ThreadSetting
{
    /// <summary>Threads this process computes with.</summary>
    public static int Current => Math.Min(Sgemm.MaxThreads, Environment.ProcessorCount);

    public static void Apply(int? threads)
    {
        if (threads is null) return;
        if (threads < 1) throw new ArgumentException($"--threads must be at least 1 but is {threads}.");
        Sgemm.MaxThreads = threads.Value;
    }
}
