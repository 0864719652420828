using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Everything a run needs besides the network's weights to continue bit for bit: the position
/// (epoch, batch within it, steps, and the running sums of the unfinished epoch), the dropout stream's
/// generator state, the optimizer's state, the schedule's and early stopping's state, the best epoch's
/// weights, gradients accumulated for an update not yet made, the history so far, the settings and a
/// fingerprint of the data (both compared when resuming). Shuffling and the validation split need no
/// state: they are derived from the seed and the epoch (see <see cref="TrainingState"/>).</summary>
public sealed class TrainingCheckpoint
{
    public int Epoch { get; init; }
    public int BatchInEpoch { get; init; }
    public long Step { get; init; }
    public double EpochLossSum { get; init; }
    public double EpochMetricSum { get; init; }
    public double EpochMetricCount { get; init; }
    public int EpochSamples { get; init; }
    public ulong[] DropoutRandomState { get; init; } = Array.Empty<ulong>();
    public string OptimizerName { get; init; } = string.Empty;
    public long OptimizerSteps { get; init; }
    public double LearningRate { get; init; }
    public IReadOnlyList<(string Name, Tensor Value)> OptimizerState { get; init; } = Array.Empty<(string, Tensor)>();
    public double[] ScheduleState { get; init; } = Array.Empty<double>();
    public double[] EarlyStoppingState { get; init; } = Array.Empty<double>();

    /// <summary>The best epoch's parameters and buffers in the network's order (empty when not kept).</summary>
    public IReadOnlyList<float[]> BestWeights { get; init; } = Array.Empty<float[]>();

    /// <summary>Gradient sums of the batches accumulated towards the next update (empty at an update boundary).</summary>
    public IReadOnlyList<float[]> PendingGradients { get; init; } = Array.Empty<float[]>();
    public int PendingBatches { get; init; }

    /// <summary>The run's settings as (name, value) text, compared on resume (Epochs excluded: a finished run
    /// may be extended).</summary>
    public IReadOnlyList<(string Name, string Value)> Settings { get; init; } = Array.Empty<(string, string)>();
    public string TrainingData { get; init; } = string.Empty;
    public string ValidationData { get; init; } = string.Empty;
    public IReadOnlyList<EpochResult> History { get; init; } = Array.Empty<EpochResult>();

    /// <summary>"EarlyStopping" when the run stopped early (a resume then trains no further); else null.</summary>
    public string? StopReason { get; init; }
}
