using NeuralPS.Core.Data;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Support;

/// <summary>The zero-allocation rule for steady-state steps, measured one way everywhere.</summary>
internal static class Allocations
{
    /// <summary>Up to three rounds of <paramref name="round"/>; passes when one allocates nothing on this thread. A
    /// per-step allocation shows in every round, so this still fails for it; what it tolerates is a one-time growth
    /// caused by a neighbour (the calling thread's packing workspace grown on the first GEMM that finds the shared
    /// thread team busy: seen as 3,824–7,240 bytes in one round of a full CI run, never twice).</summary>
    public static void AssertSomeRoundAllocatesNothing(Action round)
    {
        var seen = new List<long>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) return;
            seen.Add(allocated);
        }
        Assert.Fail($"every round allocated: {string.Join(", ", seen)} bytes");
    }

    /// <summary>After one warm-up step on the same batch, rounds of <paramref name="steps"/> training steps (gather +
    /// forward, loss, backward, update) on <paramref name="indices"/> must allocate nothing (see above).</summary>
    public static void AssertTrainingStepsAllocateNothing(Trainer trainer, Dataset data, int[] indices, int steps = 5)
    {
        trainer.GatherBatch(data, indices);
        trainer.TrainBatch(indices.Length, out _, out _);
        AssertSomeRoundAllocatesNothing(() =>
        {
            for (int i = 0; i < steps; i++)
            {
                trainer.GatherBatch(data, indices);
                trainer.TrainBatch(indices.Length, out _, out _);
            }
        });
    }
}
