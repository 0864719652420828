using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

public class EarlyStoppingTests
{
    private static EpochResult Epoch(int e, double loss, double accuracy, double? validationLoss = null) =>
        new(e, 100, loss, "Accuracy", accuracy, validationLoss, null, TimeSpan.Zero, 0, 0.01);

    [Fact]
    public void Tracker_StopsAfterPatienceEpochsWithoutAnImprovementBeyondMinDelta()
    {
        var t = new EarlyStopping(new EarlyStoppingOptions { Patience = 2, MinDelta = 0.01, Monitor = "Loss" });
        t.Metric.Resolve(false, "Accuracy");
        Assert.True(t.EpochEnded(Epoch(1, 1.0, 0)));
        Assert.True(t.EpochEnded(Epoch(2, 0.8, 0)));
        Assert.False(t.EpochEnded(Epoch(3, 0.795, 0))); // better, but by less than MinDelta
        Assert.False(t.ShouldStop);
        Assert.False(t.EpochEnded(Epoch(4, 0.9, 0)));
        Assert.True(t.ShouldStop);
        Assert.Equal((2, 0.8), (t.BestEpoch, t.BestValue));
    }

    [Fact]
    public void Tracker_OnAccuracy_TakesHigherAsBetter()
    {
        var t = new EarlyStopping(new EarlyStoppingOptions { Patience = 1, Monitor = "accuracy" });
        t.Metric.Resolve(false, "Accuracy");
        Assert.True(t.EpochEnded(Epoch(1, 1, 0.5)));
        Assert.True(t.EpochEnded(Epoch(2, 1, 0.7)));
        Assert.False(t.EpochEnded(Epoch(3, 1, 0.6)));
        Assert.True(t.ShouldStop);
        Assert.Equal(2, t.BestEpoch);
    }

    [Fact]
    public void AValidationMetric_WithoutValidationData_IsRefused()
    {
        var t = new EarlyStopping(new EarlyStoppingOptions { Monitor = "ValidationLoss" });
        var e = Assert.Throws<InvalidConfigurationException>(() => t.Metric.Resolve(false, "Accuracy"));
        Assert.Contains("-ValidationSplit", e.Message);
        Assert.Throws<InvalidConfigurationException>(() => new MonitoredMetric("Perplexity"));
    }

    private static Network Net() => new Network("iris", new Shape(4), 11)
        .Add(new Dense(32, ActivationKind.ReLU)).Add(new Dense(3));

    // A large learning rate on a 30% validation split of Iris overfits and oscillates quickly, so the
    // validation loss stops improving well before 200 epochs.
    private static TrainingOptions Options(bool restore) => new()
    {
        Epochs = 200, BatchSize = 8, LearningRate = 0.05, Seed = 5, ValidationSplit = 0.3,
        EarlyStopping = new EarlyStoppingOptions { Patience = 5, RestoreBestWeights = restore },
    };

    [Fact]
    public void EarlyStopping_StopsAndRestoresTheBestEpochsWeights()
    {
        var net = Net();
        var trainer = new Trainer(net, Options(restore: true));
        var weightsAt = new Dictionary<int, int[]>();
        var history = new List<EpochResult>();
        foreach (var e in trainer.Fit(CheckpointTests.Iris()))
        {
            history.Add(e);
            weightsAt[e.Epoch] = CheckpointTests.Bits(net);
        }
        var last = history[^1];
        Assert.Equal("EarlyStopping", last.StopReason);
        Assert.True(history.Count < 200);
        int best = history.MinBy(h => h.ValidationLoss!.Value)!.Epoch;
        Assert.Equal(best, last.BestEpoch);
        Assert.Equal(history.Count - 5, best); // patience 5: five epochs after the best without improvement
        Assert.Equal(weightsAt[best], CheckpointTests.Bits(net));
        Assert.Equal(history[best - 1].ValidationLoss!.Value, trainer.Evaluate(ValidationPart(trainer)).Loss, 12);
    }

    // The validation part of the split, reproduced from the seed the trainer split with.
    private static Core.Data.Dataset ValidationPart(Trainer trainer) =>
        CheckpointTests.Iris().Split(0.3, trainer.State.SplitRandom()).Validation;

    [Fact]
    public void EarlyStopping_WithKeepLast_EndsWithTheLastEpochsWeights()
    {
        var net = Net();
        var history = new List<EpochResult>();
        int[]? lastSeen = null;
        foreach (var e in new Trainer(net, Options(restore: false)).Fit(CheckpointTests.Iris()))
        {
            history.Add(e);
            lastSeen = CheckpointTests.Bits(net);
        }
        Assert.Equal("EarlyStopping", history[^1].StopReason);
        Assert.NotEqual(history[^1].Epoch, history[^1].BestEpoch);
        Assert.Equal(lastSeen, CheckpointTests.Bits(net));
    }
}
