using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>Everything a training run carries from one batch to the next, in one place so a checkpoint
/// can save it and a resumed run continue bit for bit: the position (epoch, batch within the epoch,
/// total steps), the dropout stream's generator state, and the optimizer with its state tensors.
/// Nothing else is random: shuffling of epoch e draws from Derive(Seed, "shuffle", e) and the validation
/// split from Derive(Seed, "split"), both recomputed from the seed, and weights were initialised from the
/// network's own seed.</summary>
public sealed class TrainingState
{
    internal TrainingState(ulong seed, Optimizer optimizer)
    {
        Seed = seed;
        Optimizer = optimizer;
        DropoutRandom = NeuralRandom.Derive(seed, "dropout");
    }

    /// <summary>The run's seed (TrainingOptions.Seed, or the network's seed when not given).</summary>
    public ulong Seed { get; }

    /// <summary>Epochs completed in this run.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Batches completed of the current epoch (0 at an epoch boundary; more after a cancellation).</summary>
    public int BatchInEpoch { get; internal set; }

    /// <summary>Batches (optimizer steps) trained in this run.</summary>
    public long Step { get; internal set; }

    /// <summary>Running sums of the unfinished epoch (loss·samples, metric sum and count, samples), so an
    /// epoch interrupted and resumed reports what it would have uninterrupted.</summary>
    public double EpochLossSum { get; internal set; }
    public double EpochMetricSum { get; internal set; }
    public double EpochMetricCount { get; internal set; }
    public int EpochSamples { get; internal set; }

    internal void ResetEpochSums()
    {
        EpochLossSum = EpochMetricSum = EpochMetricCount = 0;
        EpochSamples = 0;
    }

    /// <summary>The finished epochs of this run (restored ones included after a resume).</summary>
    public List<EpochResult> History { get; } = new();

    /// <summary>"EarlyStopping" once early stopping ended the run (Fit then trains no further); else null.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>The stream dropout masks draw from (it advances with every training batch).</summary>
    public NeuralRandom DropoutRandom { get; }

    public Optimizer Optimizer { get; }

    /// <summary>The generator that orders the samples of epoch <paramref name="epoch"/> (0-based).</summary>
    public NeuralRandom ShuffleRandom(int epoch) => NeuralRandom.Derive(Seed, "shuffle", epoch);

    /// <summary>The generator of the validation split.</summary>
    public NeuralRandom SplitRandom() => NeuralRandom.Derive(Seed, "split");

    /// <summary>Puts the run back where a checkpoint left it (the optimizer is restored separately,
    /// with Optimizer.RestoreState). The next Fit continues with batch <paramref name="batchInEpoch"/>
    /// of epoch <paramref name="epoch"/>.</summary>
    public void Restore(int epoch, int batchInEpoch, long step, ReadOnlySpan<ulong> dropoutRandomState)
    {
        if (epoch < 0 || batchInEpoch < 0 || step < 0)
            throw new ModelFileException($"Invalid training position: epoch {epoch}, batch {batchInEpoch}, step {step}.");
        DropoutRandom.SetState(dropoutRandomState);
        Epoch = epoch;
        BatchInEpoch = batchInEpoch;
        Step = step;
    }

    public override string ToString() => $"epoch {Epoch}, batch {BatchInEpoch}, step {Step}, {Optimizer}";
}
