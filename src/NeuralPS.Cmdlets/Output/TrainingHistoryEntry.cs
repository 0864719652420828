using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>One epoch of Invoke-Training, written to the pipeline as the epoch completes.
/// Classification fills Accuracy/ValidationAccuracy; regression leaves them empty and reports the
/// mean absolute error as Metric (MetricName says which).</summary>
public sealed class TrainingHistoryEntry
{
    internal TrainingHistoryEntry(string network, EpochResult epoch, TrainingRunInfo? run = null)
    {
        Run = run;
        Network = network;
        Epoch = epoch.Epoch;
        Epochs = epoch.Epochs;
        Loss = epoch.Loss;
        MetricName = epoch.MetricName;
        Metric = epoch.Metric;
        ValidationLoss = epoch.ValidationLoss;
        ValidationMetric = epoch.ValidationMetric;
        bool accuracy = IsAccuracy(epoch.MetricName);
        Accuracy = accuracy ? epoch.Metric : null;
        ValidationAccuracy = accuracy ? epoch.ValidationMetric : null;
        Duration = epoch.Duration;
        SamplesPerSecond = epoch.SamplesPerSecond;
        LearningRate = epoch.LearningRate;
        BestEpoch = epoch.BestEpoch;
        StopReason = epoch.StopReason;
        FromCheckpoint = epoch.FromCheckpoint;
    }

    internal static bool IsAccuracy(string metricName) =>
        metricName.Equals("Accuracy", StringComparison.OrdinalIgnoreCase) || metricName.Equals("acc", StringComparison.OrdinalIgnoreCase);

    /// <summary>Name of the network trained.</summary>
    public string Network { get; }

    /// <summary>1-based epoch number within this run.</summary>
    public int Epoch { get; }
    public int Epochs { get; }

    /// <summary>Mean training loss over the epoch.</summary>
    public double Loss { get; }

    /// <summary>Training accuracy (classification); empty for regression.</summary>
    public double? Accuracy { get; }
    public double? ValidationLoss { get; }
    public double? ValidationAccuracy { get; }

    /// <summary>"Accuracy" (classification) or "MAE" (regression).</summary>
    public string MetricName { get; }
    public double Metric { get; }
    public double? ValidationMetric { get; }
    public TimeSpan Duration { get; }
    public double SamplesPerSecond { get; }
    /// <summary>The learning rate of the epoch's last update (it changes under -LearningRateSchedule).</summary>
    public double LearningRate { get; }

    /// <summary>The best epoch so far by the monitored metric (with -EarlyStopping or -CheckpointPath).</summary>
    public int? BestEpoch { get; }

    /// <summary>On the last epoch of a finished run: "Completed" or "EarlyStopping"; otherwise empty.</summary>
    public string? StopReason { get; }

    /// <summary>The call's settings and machine (the same object for every epoch of one Invoke-Training call).</summary>
    public TrainingRunInfo? Run { get; }

    /// <summary>True for an epoch trained before a -Resume, restored from the checkpoint's history.</summary>
    public bool FromCheckpoint { get; }

    public override string ToString() => TrainingText.EpochLine(this);
}
