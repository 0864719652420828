using NeuralPS.Core;
using NeuralPS.Core.Distributed;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Whether Invoke-Training runs as one rank of an MPI job, and which rank: the launcher's environment
/// decides (mpirun, srun; see <see cref="DistributedEnvironment"/>) unless -Distributed says otherwise. MPI is
/// loaded only then, so the module imports and trains without any MPI library.</summary>
internal static class DistributedSession
{
    /// <summary>This process's rank when it has joined a distributed run with other ranks and is not rank 0
    /// (those ranks stay silent and write no files); 0 otherwise.</summary>
    public static int FollowerRank => MpiCommunicator.Joined is { Size: > 1, Rank: > 0 } world ? world.Rank : 0;

    /// <summary>The distributed options of one Invoke-Training call, or null to train alone.
    /// <paramref name="requested"/>: -Distributed as given (null = not given: decided by the environment).</summary>
    public static DistributedOptions? Resolve(bool? requested, bool syncBatchNorm, int? checksumEvery) =>
        Resolve(requested, syncBatchNorm, checksumEvery, DistributedEnvironment.Detect(), () => MpiCommunicator.World);

    internal static DistributedOptions? Resolve(bool? requested, bool syncBatchNorm, int? checksumEvery,
        DistributedEnvironment? environment, Func<Communicator> world)
    {
        if (!(requested ?? environment is not null)) return null;
        Communicator comm;
        try
        {
            comm = world();
        }
        catch (DistributedTrainingException e)
        {
            string how = environment is not null ? $"This process was started by {environment.Launcher} as rank {environment.Rank} of {environment.Size}" : "-Distributed was given";
            throw new DistributedTrainingException($"{how}, but MPI cannot be used: {e.Message} (-Distributed:$false trains this process alone.)", e);
        }
        if (environment is not null && environment.Size != comm.Size)
            throw new DistributedTrainingException(
                $"{environment.Launcher} started {environment.Size} processes, but MPI sees {comm.Size}: the MPI library was not started by this launcher " +
                "(under Slurm, use an Open MPI built with Slurm/PMIx support, or start the ranks with mpirun inside the allocation).");
        return new DistributedOptions(comm) { SyncBatchNorm = syncBatchNorm, ChecksumEvery = checksumEvery ?? 0 };
    }
}
