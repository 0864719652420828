using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>Tests that measure what a GEMM on the shared thread team allocates run alone, not beside other
/// test classes: when another class holds the team, a GEMM falls back to one part on the calling thread
/// (same results), whose per-thread packing workspace may then grow once — a real allocation the
/// measurement would count, caused by the neighbour and not by the step under test. Seen in full runs as
/// 3824 or 7152 bytes in DenseMlpTrainingStep_AllocatesNothing / ParallelGemmCall_AllocatesNothing,
/// never when the class runs by itself.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadTeamExclusiveCollection
{
    public const string Name = "Thread team, exclusive";
}
