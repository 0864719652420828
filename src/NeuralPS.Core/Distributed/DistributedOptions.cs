namespace NeuralPS.Core.Distributed;

/// <summary>How one rank takes part in data-parallel training (TrainingOptions.Distributed; null = one process).
/// The global batch is TrainingOptions.BatchSize: each batch of the epoch's shuffled order is cut into Size
/// contiguous shards, rank r computing the gradient of shard r; the gradients are averaged (weighted by
/// shard size) with a ring all-reduce, so every rank makes the same optimizer step.</summary>
public sealed class DistributedOptions
{
    public DistributedOptions(Communicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Communicator = communicator;
    }

    public Communicator Communicator { get; }

    /// <summary>BatchNorm normalises with the statistics of the whole global batch (sums all-reduced in the
    /// forward and backward pass; PyTorch's SyncBatchNorm). Off: each rank normalises with its own shard's
    /// statistics (PyTorch DDP's and Horovod's default) and the running statistics are averaged each step.</summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>Every this many epochs, compare a SHA-256 of the weights and optimizer state across ranks and
    /// fail on a difference (0 = never; a debugging aid: the ranks are identical by construction).</summary>
    public int ChecksumEvery { get; init; }

    /// <summary>Gradient elements per all-reduce bucket (default 1 Mi floats = 4 MiB).</summary>
    public int BucketElements { get; init; } = 1 << 20;
}
