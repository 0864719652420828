using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The -Verbose epoch line, the Write-Progress fields and the history object's properties.</summary>
public sealed class TrainingTextTests
{
    private static TrainingHistoryEntry Entry(string metric = "Accuracy", double? valLoss = 0.5, double? valMetric = 0.8) =>
        new("iris", new EpochResult(3, 10, 0.41321, metric, 0.875, valLoss, valMetric, TimeSpan.FromSeconds(1.25), 9600, 0.001));

    [Fact]
    public void History_entry_has_accuracy_properties_for_classification()
    {
        var e = Entry();
        Assert.Equal(3, e.Epoch);
        Assert.Equal(10, e.Epochs);
        Assert.Equal(0.41321, e.Loss);
        Assert.Equal(0.875, e.Accuracy);
        Assert.Equal(0.5, e.ValidationLoss);
        Assert.Equal(0.8, e.ValidationAccuracy);
        Assert.Equal(0.875, e.Metric);
        Assert.Equal(TimeSpan.FromSeconds(1.25), e.Duration);
        Assert.Equal(9600, e.SamplesPerSecond);
        Assert.Equal(0.001, e.LearningRate);
    }

    [Fact]
    public void History_entry_has_no_accuracy_for_regression()
    {
        var e = Entry(metric: "MAE");
        Assert.Null(e.Accuracy);
        Assert.Null(e.ValidationAccuracy);
        Assert.Equal("MAE", e.MetricName);
        Assert.Equal(0.8, e.ValidationMetric);
    }

    [Fact]
    public void The_verbose_line_reads_like_Keras()
    {
        Assert.Equal("Epoch 3/10: loss 0.4132, accuracy 0.8750, val_loss 0.5000, val_accuracy 0.8000 (1.25 s, 9600 samples/s)",
            TrainingText.EpochLine(Entry()));
        Assert.Equal("Epoch 3/10: loss 0.4132, mae 0.8750 (1.25 s, 9600 samples/s)",
            TrainingText.EpochLine(Entry(metric: "MAE", valLoss: null, valMetric: null)));
        Assert.Equal(TrainingText.EpochLine(Entry()), Entry().ToString());
    }

    [Fact]
    public void Progress_shows_epoch_batch_loss_overall_percent_and_ETA()
    {
        var p = TrainingText.Progress("iris", new BatchProgress(2, 4, 5, 10, 0.12345, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(61.7)));
        Assert.Equal("Training iris", p.Activity);
        Assert.Equal("Epoch 2/4, batch 5/10, loss 0.1235", p.Status);
        Assert.Equal(37, p.PercentComplete); // (10 + 5) / 40
        Assert.Equal(61, p.SecondsRemaining);
    }

    [Fact]
    public void Unknown_ETA_is_minus_one()
    {
        var p = TrainingText.Progress("n", new BatchProgress(1, 1, 1, 1, 1, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(-1, p.SecondsRemaining);
        Assert.Equal(100, p.PercentComplete);
    }
}
