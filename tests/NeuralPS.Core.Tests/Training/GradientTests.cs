using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

/// <summary>Gradient clipping, gradient accumulation and class weights, each against a reference computed
/// without the feature.</summary>
public class GradientTests
{
    private static Network Net(ulong seed = 3) => new Network("iris", new Shape(4), seed)
        .Add(new Dense(16, ActivationKind.Tanh)).Add(new Dense(3));

    private static float[] Weights(Network net) => net.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    private static Parameter RandomParameter(string name, int size, ulong seed, float scale)
    {
        var p = new Parameter(name, new Shape(size), true);
        var rng = new NeuralRandom(seed);
        for (int i = 0; i < size; i++) p.Gradient[i] = (float)(rng.NextGaussian() * scale);
        return p;
    }

    [Fact]
    public void ClipByGlobalNorm_ScalesEveryGradientByMaxOverNorm()
    {
        var ps = new[] { RandomParameter("a", 37, 1, 3f), RandomParameter("b", 5, 2, 10f) };
        var before = ps.Select(p => p.Gradient.ToArray()).ToArray();
        double reference = Math.Sqrt(before.SelectMany(g => g).Sum(v => (double)v * v));
        double norm = GradientClipping.ClipByGlobalNorm(ps, 1.0);
        Assert.Equal(reference, norm, 9);
        double scale = 1.0 / (reference + 1e-6);
        for (int k = 0; k < ps.Length; k++)
            for (int i = 0; i < before[k].Length; i++) Assert.Equal(before[k][i] * scale, ps[k].Gradient[i], 5);
        double after = Math.Sqrt(ps.SelectMany(p => p.Gradient.ToArray()).Sum(v => (double)v * v));
        Assert.Equal(1.0, after, 5);
        // Below the limit nothing changes.
        var copy = ps[0].Gradient.ToArray();
        GradientClipping.ClipByGlobalNorm(ps, 100);
        Assert.Equal(copy, ps[0].Gradient.ToArray());
    }

    [Fact]
    public void ClipByValue_ClampsEachElement()
    {
        var p = RandomParameter("a", 100, 4, 2f);
        var before = p.Gradient.ToArray();
        GradientClipping.ClipByValue(new[] { p }, 0.5);
        for (int i = 0; i < before.Length; i++) Assert.Equal(Math.Clamp(before[i], -0.5f, 0.5f), p.Gradient[i]);
    }

    [Fact]
    public void Trainer_WithClipping_MovesSgdWeightsByAtMostRateTimesMaxNorm_AndAHighLimitChangesNothing()
    {
        var data = CheckpointTests.Iris();
        TrainingOptions O(double? clip) => new() { Epochs = 1, BatchSize = 150, Optimizer = "SGD", LearningRate = 1.0, Shuffle = false, ClipNorm = clip };
        float[] Train(double? clip)
        {
            var net = Net();
            new Trainer(net, O(clip)).Fit(data).ToList();
            return Weights(net);
        }
        float[] start = Weights(Net()), plain = Train(null), high = Train(1e6), clipped = Train(0.01);
        Assert.Equal(plain, high); // a limit above the norm leaves the step bit for bit unchanged
        double moved = Math.Sqrt(start.Zip(clipped, (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.Equal(0.01, moved, 4); // one SGD step of rate 1 along a gradient clipped to norm 0.01
        // ... in the direction of the unclipped step
        var dPlain = start.Zip(plain, (a, b) => (double)(a - b)).ToArray();
        var dClip = start.Zip(clipped, (a, b) => (double)(a - b)).ToArray();
        double cos = dPlain.Zip(dClip, (a, b) => a * b).Sum() / Math.Sqrt(dPlain.Sum(a => a * a) * dClip.Sum(a => a * a));
        Assert.True(cos > 0.9999, $"cosine {cos}");
    }

    [Fact]
    public void AccumulatingFourBatchesOf8_EqualsOneBatchOf32()
    {
        // 150 samples: 5 batches of 32 (the last 22) vs 19 of 8 accumulated by 4 (the last group 8+8+6):
        // the same samples per update in the same order. SGD with momentum, no batch statistics, no dropout.
        // Float32 sums in another order differ in the last bits, so the comparison is to 1e-5 of the
        // weights' scale after 3 epochs (15 updates).
        var data = CheckpointTests.Iris();
        float[] Train(int batch, int accumulate)
        {
            var net = Net();
            new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = batch, AccumulationSteps = accumulate, Optimizer = "SGD", Momentum = 0.9, LearningRate = 0.05, Seed = 9 })
                .Fit(data).ToList();
            return Weights(net);
        }
        float[] big = Train(32, 1), accumulated = Train(8, 4), unaccumulated = Train(8, 1);
        double scale = big.Max(Math.Abs);
        for (int i = 0; i < big.Length; i++) Assert.True(Math.Abs(big[i] - accumulated[i]) <= 1e-5 * scale, $"weight {i}: {big[i]} vs {accumulated[i]}");
        Assert.True(big.Zip(unaccumulated).Max(p => Math.Abs(p.First - p.Second)) > 1e-3 * scale, "without accumulation the run must differ");
    }

    [Fact]
    public void ClassWeights_EqualDuplicatingTheWeightedRows()
    {
        // A weight of 2 on class 1 gives the loss and gradient of the same batch with class 1's rows twice.
        var rng = new NeuralRandom(3);
        int[] labels = { 0, 1, 2, 1, 0 };
        var logits = new Tensor(5, 3);
        for (int i = 0; i < logits.Size; i++) logits[i] = (float)rng.NextGaussian();
        var dupRows = new List<int>();
        for (int r = 0; r < 5; r++) { dupRows.Add(r); if (labels[r] == 1) dupRows.Add(r); }
        var dup = new Tensor(dupRows.Count, 3);
        for (int i = 0; i < dupRows.Count; i++) logits.Span.Slice(dupRows[i] * 3, 3).CopyTo(dup.Span.Slice(i * 3, 3));
        int[] dupLabels = dupRows.Select(r => labels[r]).ToArray();

        foreach (var make in new Func<Loss>[] { () => new CrossEntropy(), () => new BinaryCrossEntropy() })
        {
            var weighted = make();
            weighted.ClassWeights = new[] { 1f, 2f, 1f };
            double lw = weighted.Forward(CpuBackend.Instance, logits, labels);
            var plain = make();
            double lp = plain.Forward(CpuBackend.Instance, dup, dupLabels);
            Assert.Equal(lp, lw, 6);
            var gw = weighted.Backward();
            var gp = plain.Backward();
            for (int r = 0; r < 5; r++)
                for (int c = 0; c < 3; c++)
                {
                    // the duplicated rows' gradients sum to the weighted row's
                    double expected = 0;
                    for (int i = 0; i < dupRows.Count; i++) if (dupRows[i] == r) expected += gp[i * 3 + c];
                    Assert.Equal(expected, gw[r * 3 + c], 6);
                }
        }
    }

    [Fact]
    public void BalancedClassWeights_AreCountOverClassesTimesClassCount()
    {
        // Iris without 30 virginica rows: 50, 50, 20 → weights 120/(3·50), 120/(3·50), 120/(3·20).
        var iris = CheckpointTests.Iris();
        int virginica = iris.ClassNames!.ToList().IndexOf("virginica");
        var keep = Enumerable.Range(0, iris.Count).Where(i => iris.ClassLabels![i] != virginica || i % 5 < 2).ToArray();
        var data = iris.Subset(keep);
        Assert.Equal(120, data.Count);
        var trainer = new Trainer(Net(), new TrainingOptions { Epochs = 1, BalanceClasses = true });
        trainer.Fit(data).ToList();
        var w = trainer.Loss!.ClassWeights!;
        for (int c = 0; c < 3; c++) Assert.Equal(c == virginica ? 2f : 0.8f, w[c], 6);
    }

    [Fact]
    public void ClassWeights_OnRegressionTargets_AreRefused()
    {
        var data = new Dataset(new Tensor(4, 4), null, new Tensor(4, 3), null, "t");
        var e = Assert.Throws<InvalidConfigurationException>(() => new Trainer(Net(), new TrainingOptions { ClassWeights = new[] { 1.0, 2.0, 1.0 } }).Fit(data));
        Assert.Contains("class labels", e.Message);
    }
}
