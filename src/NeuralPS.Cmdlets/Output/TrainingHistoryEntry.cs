using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>One epoch of Invoke-Training, written to the pipeline as the epoch completes.
/// Classification fills Accuracy/ValidationAccuracy; regression leaves them empty and reports the
/// mean absolute error as Metric (MetricName says which).</summary>
public sealed class TrainingHistoryEntry
{
    internal TrainingHistoryEntry(string network, EpochResult epoch)
    {
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
    public double LearningRate { get; }

    public override string ToString() => TrainingText.EpochLine(this);
}
