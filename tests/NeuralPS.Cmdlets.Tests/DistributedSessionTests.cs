using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Distributed;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>When Invoke-Training trains distributed: the launcher's environment decides unless -Distributed is
/// given; MPI is touched only then; a launcher and an MPI that disagree on the world size are an error.</summary>
public sealed class DistributedSessionTests
{
    private static readonly DistributedEnvironment TwoRanks = new(1, 2, "mpirun (Open MPI)");

    private static Func<Communicator> World(int size, int rank = 0) => () => new FakeWorld(size, rank);

    private static Communicator NoMpi() => throw new DistributedTrainingException("No MPI library found (tried libmpi.so.40).");

    [Fact]
    public void Alone_without_a_launcher_and_without_Distributed_never_loads_MPI()
    {
        Assert.Null(DistributedSession.Resolve(null, syncBatchNorm: true, checksumEvery: 2, environment: null, world: NoMpi));
        Assert.Null(DistributedSession.Resolve(false, false, null, TwoRanks, NoMpi)); // -Distributed:$false under mpirun
    }

    [Fact]
    public void Under_a_launcher_training_is_distributed_with_the_options_given()
    {
        var options = DistributedSession.Resolve(null, syncBatchNorm: true, checksumEvery: 3, TwoRanks, World(2, 1));
        Assert.NotNull(options);
        Assert.Equal(1, options!.Communicator.Rank);
        Assert.True(options.SyncBatchNorm);
        Assert.Equal(3, options.ChecksumEvery);
    }

    [Fact]
    public void Distributed_without_an_MPI_library_is_an_error_that_says_why_and_how_to_train_alone()
    {
        var e = Assert.Throws<DistributedTrainingException>(() => DistributedSession.Resolve(true, false, null, null, NoMpi));
        Assert.Contains("-Distributed was given, but MPI cannot be used: No MPI library found", e.Message);
        Assert.Contains("-Distributed:$false", e.Message);
        Assert.Equal(ErrorKind.ResourceUnavailable, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void A_launcher_that_started_more_processes_than_MPI_sees_is_an_error()
    {
        // srun with an MPI that has no Slurm support: every process is a world of 1 and would train alone.
        var e = Assert.Throws<DistributedTrainingException>(() => DistributedSession.Resolve(null, false, null, new DistributedEnvironment(0, 4, "srun (Slurm)"), World(1)));
        Assert.Contains("srun (Slurm) started 4 processes, but MPI sees 1", e.Message);
    }

    private sealed class FakeWorld : Communicator
    {
        public FakeWorld(int size, int rank) { Size = size; Rank = rank; }
        public override int Rank { get; }
        public override int Size { get; }
        public override void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source) => throw new NotSupportedException();
        public override void Broadcast(Span<byte> data, int root) => throw new NotSupportedException();
        public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all) => throw new NotSupportedException();
        public override void AllReduceSumNative(Span<float> data) => throw new NotSupportedException();
        public override void Barrier() => throw new NotSupportedException();
        public override void Abort(int errorCode) => throw new NotSupportedException();
    }
}
