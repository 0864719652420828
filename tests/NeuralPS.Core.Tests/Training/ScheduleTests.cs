using NeuralPS.Core.Schedules;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

/// <summary>Each schedule's rates against a table computed by hand (or, for one-cycle, by
/// torch.optim.lr_scheduler.OneCycleLR's formula written out). Tolerance 1e-12 relative: the formulas
/// are evaluated in float64 and the tables are exact to that.</summary>
public class ScheduleTests
{
    private static void AssertRates(LearningRateSchedule s, double baseRate, int stepsPerEpoch, int epochs, double[] expected, bool perEpoch)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            var t = perEpoch ? new ScheduleTime(i, (long)i * stepsPerEpoch, stepsPerEpoch, epochs) : new ScheduleTime(i / stepsPerEpoch, i, stepsPerEpoch, epochs);
            double actual = s.Rate(baseRate, t);
            Assert.True(Math.Abs(actual - expected[i]) <= 1e-12 * Math.Abs(expected[i]), $"{s} at {i}: expected {expected[i]:R}, got {actual:R}");
        }
    }

    [Fact]
    public void Step_HalvesEveryTwoEpochs()
    {
        // base 0.1, γ 0.5, step 2: epochs 0,1 → 0.1; 2,3 → 0.05; 4,5 → 0.025; 6 → 0.0125
        AssertRates(new StepDecay(2, 0.5), 0.1, 10, 7, new[] { 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125 }, perEpoch: true);
    }

    [Fact]
    public void Exponential_MultipliesByGammaEachEpoch()
    {
        AssertRates(new ExponentialDecay(0.9), 1.0, 5, 5, new[] { 1.0, 0.9, 0.81, 0.729, 0.6561 }, perEpoch: true);
    }

    [Fact]
    public void Cosine_WarmsUpLinearlyThenFollowsTheHalfCosine()
    {
        // 2 updates per epoch, 5 epochs (T = 10), warm-up 1 epoch (W = 2), base 1, floor 0:
        // s=0: 1·1/2, s=1: 1·2/2, then p = (s−2)/8: ½(1+cos(πp)).
        var expected = new double[10];
        expected[0] = 0.5;
        expected[1] = 1.0;
        double[] halfCos = { 1.0, 0.9619397662556434, 0.8535533905932737, 0.6913417161825449, 0.5, 0.3086582838174551, 0.14644660940672627, 0.038060233744356624 };
        Array.Copy(halfCos, 0, expected, 2, 8);
        AssertRates(new CosineDecay(warmupEpochs: 1), 1.0, 2, 5, expected, perEpoch: false);
    }

    [Fact]
    public void Cosine_WithAFloor_StaysAboveIt()
    {
        // no warm-up, T = 4, floor 0.1: 0.1 + 0.9·½(1+cos(πs/4))
        AssertRates(new CosineDecay(0, 0.1), 1.0, 4, 1, new[] { 1.0, 0.1 + 0.9 * 0.8535533905932737, 0.55, 0.1 + 0.9 * 0.14644660940672627 }, perEpoch: false);
    }

    [Fact]
    public void OneCycle_RisesFromBaseOver25ToBase_ThenFallsToTheFinalRate()
    {
        // T = 10, pct 0.3 → peak at step 2; initial = 1/25 = 0.04; min = 0.04/1e4 = 4e-6.
        // s ≤ 2: 1 + (0.04 − 1)/2·(1 + cos(π s/2)); s > 2: 4e-6 + (1 − 4e-6)/2·(1 + cos(π (s−2)/7))
        var expected = new double[10];
        for (int s = 0; s <= 2; s++) expected[s] = 1 + (0.04 - 1) / 2 * (1 + Math.Cos(Math.PI * s / 2));
        for (int s = 3; s < 10; s++) expected[s] = 4e-6 + (1 - 4e-6) / 2 * (1 + Math.Cos(Math.PI * (s - 2) / 7.0));
        Assert.Equal(0.04, expected[0], 15);
        Assert.Equal(0.52, expected[1], 15);
        Assert.Equal(1.0, expected[2], 15);
        Assert.Equal(4e-6, expected[9], 15);
        AssertRates(new OneCycle(), 1.0, 5, 2, expected, perEpoch: false);
    }

    [Fact]
    public void ReduceOnPlateau_CutsTheRateAfterPatienceEpochsWithoutImprovement()
    {
        var s = new ReduceOnPlateau(factor: 0.5, patience: 1, minDelta: 0.01, monitor: "Loss");
        s.Metric.Resolve(hasValidation: false, "Accuracy");
        // losses per epoch and the rate that follows each (base 1):
        // 1.0 best → 1; 0.995 not better by 0.01 (wait 1) → 1; 0.99 (wait 2 > 1) → 0.5; 0.5 best → 0.5;
        // 0.6 (wait 1) → 0.5; 0.7 (wait 2) → 0.25
        double[] losses = { 1.0, 0.995, 0.99, 0.5, 0.6, 0.7 };
        double[] rates = { 1, 1, 0.5, 0.5, 0.5, 0.25 };
        for (int e = 0; e < losses.Length; e++)
        {
            s.EpochEnded(e, losses[e]);
            Assert.Equal(rates[e], s.Rate(1.0, new ScheduleTime(e + 1, 0, 1, 10)));
        }
        var restored = new ReduceOnPlateau(factor: 0.5, patience: 1, minDelta: 0.01, monitor: "Loss");
        restored.SetState(s.GetState());
        Assert.Equal(s.GetState(), restored.GetState());
    }

    [Fact]
    public void TheTrainer_RecordsTheScheduledRateInTheHistory()
    {
        var data = CheckpointTests.Iris(); // 150 samples, batch 50 → 3 updates per epoch
        var net = new Network("iris", new NeuralPS.Core.Tensors.Shape(4), 1).Add(new NeuralPS.Core.Layers.Dense(3));
        var history = new Core.Training.Trainer(net, new Core.Training.TrainingOptions
        {
            Epochs = 4, BatchSize = 50, Optimizer = "SGD", LearningRate = 0.1, Schedule = new StepDecay(1, 0.5),
        }).Fit(data).ToList();
        Assert.Equal(new[] { 0.1, 0.05, 0.025, 0.0125 }, history.Select(h => h.LearningRate));
    }
}
