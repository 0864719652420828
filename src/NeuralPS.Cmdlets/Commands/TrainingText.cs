using System.Globalization;
using System.Text;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>The words Invoke-Training shows: the -Verbose line per epoch and the Write-Progress text.</summary>
internal static class TrainingText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"Epoch 3/10: loss 0.4132, accuracy 0.8750, val_loss 0.4400, val_accuracy 0.8600 (1.25 s, 9600 samples/s)".</summary>
    public static string EpochLine(TrainingHistoryEntry e)
    {
        var sb = new StringBuilder();
        sb.Append(Inv, $"Epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, {MetricWord(e.MetricName)} {e.Metric:F4}");
        if (e.ValidationLoss is { } vl) sb.Append(Inv, $", val_loss {vl:F4}");
        if (e.ValidationMetric is { } vm) sb.Append(Inv, $", val_{MetricWord(e.MetricName)} {vm:F4}");
        sb.Append(Inv, $" ({e.Duration.TotalSeconds:F2} s, {e.SamplesPerSecond:F0} samples/s)");
        return sb.ToString();
    }

    private static string MetricWord(string metricName) => metricName.ToLowerInvariant();

    /// <summary>Activity, status, percent and ETA for one Write-Progress call after a batch.</summary>
    public static ProgressInfo Progress(string networkName, BatchProgress p)
    {
        long total = (long)Math.Max(p.Epochs, 1) * Math.Max(p.Batches, 1);
        long done = (long)(p.Epoch - 1) * Math.Max(p.Batches, 1) + p.Batch;
        int percent = (int)Math.Clamp(100 * done / Math.Max(total, 1), 0, 100);
        int seconds = p.EstimatedRemaining > TimeSpan.Zero ? (int)Math.Min(p.EstimatedRemaining.TotalSeconds, int.MaxValue) : -1;
        string status = string.Create(Inv, $"Epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches}, loss {p.Loss:F4}");
        return new ProgressInfo($"Training {networkName}", status, percent, seconds);
    }
}

/// <summary>What one Write-Progress call shows (SecondsRemaining -1 = unknown).</summary>
internal sealed record ProgressInfo(string Activity, string Status, int PercentComplete, int SecondsRemaining);
