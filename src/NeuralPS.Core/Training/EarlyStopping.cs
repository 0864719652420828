namespace NeuralPS.Core.Training;

/// <summary>The early-stopping tracker of one run: the best value of the monitored metric, the epoch it
/// came from (1-based; 0 = none yet) and the epochs since. Its state goes into checkpoints.</summary>
public sealed class EarlyStopping
{
    public EarlyStopping(EarlyStoppingOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        Metric = new MonitoredMetric(options.Monitor);
    }

    public EarlyStoppingOptions Options { get; }
    public MonitoredMetric Metric { get; }
    public double BestValue { get; private set; } = double.NaN;
    public int BestEpoch { get; private set; }
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>Takes a finished epoch; returns whether it is the new best. <see cref="ShouldStop"/> then
    /// says whether patience has run out.</summary>
    public bool EpochEnded(EpochResult epoch)
    {
        double? v = Metric.ValueOf(epoch);
        if (v is double value && !double.IsNaN(value) && (BestEpoch == 0 || Metric.Improves(value, BestValue, Options.MinDelta)))
        {
            BestValue = value;
            BestEpoch = epoch.Epoch;
            EpochsWithoutImprovement = 0;
            return true;
        }
        EpochsWithoutImprovement++;
        return false;
    }

    public bool ShouldStop => EpochsWithoutImprovement > 0 && EpochsWithoutImprovement >= Options.Patience;

    internal double[] GetState() => new[] { BestValue, BestEpoch, EpochsWithoutImprovement };

    internal void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 3 || state[1] < 0 || state[2] < 0)
            throw new ModelFileException($"The early-stopping state in the checkpoint is invalid ({state.Length} values).");
        BestValue = state[0];
        BestEpoch = (int)state[1];
        EpochsWithoutImprovement = (int)state[2];
    }
}
