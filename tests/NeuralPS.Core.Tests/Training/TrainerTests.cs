using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

public class TrainerTests
{
    /// <summary>Three interleaved spirals in the plane (CS231n's toy problem): not linearly separable, so
    /// reaching high accuracy needs the hidden layers and working gradients end to end.</summary>
    internal static Dataset Spirals(int perClass, ulong seed, int classes = 3)
    {
        var rng = new NeuralRandom(seed);
        int n = perClass * classes;
        var x = new Tensor(n, 2);
        var y = new int[n];
        for (int c = 0; c < classes; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                int k = c * perClass + i;
                double r = (double)i / perClass;
                double theta = c * 2 * Math.PI / classes + 4 * r + rng.NextGaussian() * 0.15;
                x[2 * k] = (float)(r * Math.Sin(theta));
                x[2 * k + 1] = (float)(r * Math.Cos(theta));
                y[k] = c;
            }
        }
        return new Dataset(x, y, null, Enumerable.Range(0, classes).Select(c => $"arm{c}").ToArray(), "spirals");
    }

    private static Network SpiralNet(ulong seed, Layer? last = null)
    {
        var net = new Network("spiral", new Shape(2), seed)
            .Add(new Dense(48, ActivationKind.ReLU))
            .Add(new Dense(48, ActivationKind.ReLU))
            .Add(new Dense(3));
        if (last is not null) net.Add(last);
        return net;
    }

    [Fact]
    public void Mlp_LearnsThreeSpirals()
    {
        var data = Spirals(100, 1);
        var net = SpiralNet(2);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 150, BatchSize = 32, LearningRate = 0.01, Seed = 3 });
        var history = trainer.Fit(data).ToList();
        Assert.Equal(150, history.Count);
        Assert.Equal("Accuracy", history[^1].MetricName);
        Assert.True(history[^1].Loss < history[0].Loss / 5, $"loss {history[0].Loss} -> {history[^1].Loss}");
        var (_, accuracy) = trainer.Evaluate(data);
        Assert.True(accuracy >= 0.95, $"train accuracy {accuracy:P1}");
        Assert.Equal(150, net.EpochsTrained);
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalWeights_DifferentSeedDoesNot()
    {
        float[] Train(ulong seed)
        {
            var net = new Network("d", new Shape(2), 5)
                .Add(new Dense(32, ActivationKind.ReLU)).Add(new Dropout(0.3)).Add(new Dense(3));
            var trainer = new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = 16, Optimizer = "AdamW", WeightDecay = 0.01, ValidationSplit = 0.2, Seed = seed });
            foreach (var _ in trainer.Fit(Spirals(50, 9))) { }
            return net.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();
        }
        var a = Train(11);
        var b = Train(11);
        var c = Train(12);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalWeights_WhenTheGemmsRunOnSeveralThreads()
    {
        // MLP-sized layers (batch 64 × 200 → 256) so the GEMMs are large enough to be split across cores.
        var rng = new NeuralRandom(1);
        var x = new Tensor(512, 200);
        for (int i = 0; i < x.Size; i++) x[i] = rng.NextSingle();
        var labels = Enumerable.Range(0, 512).Select(i => rng.NextInt(10)).ToArray();
        var data = new Dataset(x, labels, null, null, "wide");
        int[] Train()
        {
            var net = new Network("w", new Shape(200), 3).Add(new Dense(256, ActivationKind.ReLU)).Add(new Dropout(0.2)).Add(new Dense(10));
            new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 5 }).Fit(data).ToList();
            return net.Parameters.SelectMany(p => p.Value.ToArray()).Select(BitConverter.SingleToInt32Bits).ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrailingSoftmax_TrainsExactlyLikeLogitsWithFusedCrossEntropy(bool asDenseActivation)
    {
        // Same seed → same initial weights for the shared layers. The fused path must hand the layer below
        // the softmax exactly (p − onehot)/batch, as cross-entropy on logits does, so weights stay bit-identical.
        var options = new TrainingOptions { Epochs = 2, BatchSize = 10, Seed = 4, Loss = "CrossEntropy" };
        var data = Spirals(20, 3);
        var logits = SpiralNet(8);
        Network softmax;
        if (asDenseActivation)
        {
            softmax = new Network("spiral", new Shape(2), 8)
                .Add(new Dense(48, ActivationKind.ReLU)).Add(new Dense(48, ActivationKind.ReLU)).Add(new Dense(3, ActivationKind.Softmax));
        }
        else
        {
            softmax = SpiralNet(8, new Activation(ActivationKind.Softmax));
        }
        var h1 = new Trainer(logits, options).Fit(data).ToList();
        var h2 = new Trainer(softmax, options).Fit(data).ToList();
        Assert.Equal(h1.Select(h => h.Loss), h2.Select(h => h.Loss));
        Assert.Equal(logits.Parameters.SelectMany(p => p.Value.ToArray()), softmax.Parameters.SelectMany(p => p.Value.ToArray()));
        // And inference still outputs probabilities.
        var probabilities = softmax.Forward(Tensor.FromArray(new Shape(1, 2), new[] { 0.1f, 0.2f }), LayerContext.Inference());
        Assert.Equal(1.0, probabilities.Span.ToArray().Sum(v => (double)v), 5);
    }

    [Fact]
    public void SingleSigmoidOutput_LearnsABinaryProblem_WithAutoBinaryCrossEntropy()
    {
        var spirals = Spirals(80, 6, classes: 2);
        var net = new Network("bin", new Shape(2), 1)
            .Add(new Dense(32, ActivationKind.Tanh)).Add(new Dense(32, ActivationKind.Tanh)).Add(new Dense(1, ActivationKind.Sigmoid));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 200, BatchSize = 16, LearningRate = 0.01, Seed = 2 });
        var last = trainer.Fit(spirals).Last();
        Assert.IsType<BinaryCrossEntropy>(trainer.Loss);
        Assert.True(last.Metric >= 0.95, $"accuracy {last.Metric:P1}");
    }

    [Fact]
    public void AfterTraining_ASigmoidOutputNetwork_PredictsExactlyLikeACopyWithTheSameWeights()
    {
        // During training the last Dense keeps its logits for the fused loss; afterwards it must compute
        // its output the ordinary way, exactly as the same network rebuilt from its weights (a loaded model).
        Network Make() => new Network("s", new Shape(2), 1).Add(new Dense(16, ActivationKind.Tanh)).Add(new Dense(1, ActivationKind.Sigmoid));
        var trained = Make();
        new Trainer(trained, new TrainingOptions { Epochs = 2, BatchSize = 8 }).Fit(Spirals(20, 1, classes: 2)).ToList();
        var copy = Make();
        foreach (var (to, from) in copy.Parameters.Zip(trained.Parameters)) from.Value.Span.CopyTo(to.Value.Span);
        var x = Spirals(20, 2, classes: 2).Features;
        Assert.Equal(copy.Forward(x, LayerContext.Inference()).ToArray(), trained.Forward(x, LayerContext.Inference()).ToArray());
    }

    [Fact]
    public void EvaluatingBetweenEpochs_DoesNotChangeTraining()
    {
        float[] Train(bool evaluate)
        {
            var net = SpiralNet(4, new Activation(ActivationKind.Softmax));
            var trainer = new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = 16, Seed = 1 });
            var data = Spirals(20, 3);
            foreach (var _ in trainer.Fit(data)) if (evaluate) trainer.Evaluate(data);
            return net.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();
        }
        Assert.Equal(Train(false), Train(true));
    }

    [Fact]
    public void Regression_ReducesMeanAbsoluteError()
    {
        var rng = new NeuralRandom(3);
        int n = 256;
        var x = new Tensor(n, 3);
        var t = new Tensor(n, 2);
        for (int i = 0; i < n; i++)
        {
            float a = rng.NextSingle() * 2 - 1, b = rng.NextSingle() * 2 - 1, c = rng.NextSingle() * 2 - 1;
            x[3 * i] = a; x[3 * i + 1] = b; x[3 * i + 2] = c;
            t[2 * i] = a * b + c;
            t[2 * i + 1] = MathF.Sin(2 * a) - 0.5f * c;
        }
        var data = new Dataset(x, null, t, null, "regression");
        var net = new Network("reg", new Shape(3), 1).Add(new Dense(32, ActivationKind.GELU)).Add(new Dense(2));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 100, BatchSize = 32, LearningRate = 0.01, Seed = 1 });
        var history = trainer.Fit(data).ToList();
        Assert.IsType<MeanSquaredError>(trainer.Loss);
        Assert.Equal("MAE", history[0].MetricName);
        Assert.True(history[^1].Metric < 0.1 && history[^1].Metric < history[0].Metric / 3, $"MAE {history[0].Metric} -> {history[^1].Metric}");
    }

    [Theory]
    [InlineData("SGD", 0.9, true)]
    [InlineData("RMSprop", 0.0, false)]
    [InlineData("AdamW", 0.0, false)]
    public void EveryOptimizer_ReducesTheLoss(string optimizer, double momentum, bool nesterov)
    {
        var net = SpiralNet(3);
        var options = new TrainingOptions { Epochs = 30, BatchSize = 32, Optimizer = optimizer, Momentum = momentum, Nesterov = nesterov, WeightDecay = 1e-4, LearningRate = optimizer == "SGD" ? 0.05 : 0.005, Seed = 1 };
        var history = new Trainer(net, options).Fit(Spirals(60, 4)).ToList();
        Assert.True(history[^1].Loss < history[0].Loss * 0.8, $"{optimizer}: loss {history[0].Loss} -> {history[^1].Loss}");
    }

    [Fact]
    public void History_HasValidationMetrics_Durations_AndTheLastSmallerBatch()
    {
        var data = Spirals(35, 2); // 105 samples; 20% validation → 84 train = 2 batches of 32 + one of 20
        var net = SpiralNet(1);
        var batches = new List<BatchProgress>();
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 32, ValidationSplit = 0.2, Seed = 1 });
        trainer.BatchCompleted += batches.Add;
        var history = trainer.Fit(data).ToList();
        Assert.Equal(2, history.Count);
        Assert.All(history, h =>
        {
            Assert.NotNull(h.ValidationLoss);
            Assert.InRange(h.ValidationMetric!.Value, 0, 1);
            Assert.True(h.Duration > TimeSpan.Zero);
            Assert.True(h.SamplesPerSecond > 0);
            Assert.Equal(0.001, h.LearningRate);
        });
        Assert.Equal(new[] { 1, 2 }, history.Select(h => h.Epoch));
        Assert.Equal(6, batches.Count);
        Assert.Equal((1, 3, 3, 2), (batches[2].Epoch, batches[2].Batch, batches[2].Batches, batches[2].Epochs));
        Assert.Equal(TimeSpan.Zero, batches[^1].EstimatedRemaining);
    }

    [Fact]
    public void Fit_IsLazy_AndStopsWhenTheEnumerationStops()
    {
        var net = SpiralNet(1);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 5, BatchSize = 32 });
        var run = trainer.Fit(Spirals(20, 1));
        Assert.Equal(0, net.EpochsTrained);
        var first = run.First();
        Assert.Equal(1, first.Epoch);
        Assert.Equal(1, net.EpochsTrained);
    }

    [Fact]
    public void Cancellation_FinishesTheBatch_Throws_AndFitContinuesFromThere()
    {
        var data = Spirals(40, 5); // 120 samples, batch 30 → 4 batches per epoch
        var net = SpiralNet(1);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 30, Seed = 2 });
        using var cts = new CancellationTokenSource();
        trainer.BatchCompleted += p => { if (p.Epoch == 1 && p.Batch == 2) cts.Cancel(); };
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(data, cts.Token).ToList());
        Assert.Equal((0, 2, 2L), (trainer.State.Epoch, trainer.State.BatchInEpoch, trainer.State.Step));
        Assert.Equal(2, trainer.Optimizer.StepCount);

        var rest = trainer.Fit(data).ToList();
        Assert.Equal(2, rest.Count);
        Assert.Equal(8, trainer.State.Step);

        // The interrupted run ends with the same weights as an uninterrupted one.
        var reference = SpiralNet(1);
        new Trainer(reference, new TrainingOptions { Epochs = 2, BatchSize = 30, Seed = 2 }).Fit(data).ToList();
        Assert.Equal(reference.Parameters.SelectMany(p => p.Value.ToArray()), net.Parameters.SelectMany(p => p.Value.ToArray()));
    }

    [Fact]
    public void SampleShapeMismatch_NamesBothShapes()
    {
        var net = new Network("n", new Shape(4), 1).Add(new Dense(3));
        var trainer = new Trainer(net, new TrainingOptions());
        var ex = Assert.Throws<ShapeMismatchException>(() => trainer.Fit(Spirals(5, 1)));
        Assert.Contains("(2,)", ex.Message);
        Assert.Contains("(4,)", ex.Message);
    }

    [Fact]
    public void MoreClassesThanOutputs_IsRefusedWithTheFix()
    {
        var net = new Network("n", new Shape(2), 1).Add(new Dense(2));
        var ex = Assert.Throws<InvalidConfigurationException>(() => new Trainer(net, new TrainingOptions()).Fit(Spirals(5, 1)));
        Assert.Contains("3 classes", ex.Message);
        Assert.Contains("-Units 3", ex.Message);
    }

    [Fact]
    public void TargetWidthMismatch_IsRefused()
    {
        var data = new Dataset(new Tensor(4, 2), null, new Tensor(4, 3), null, "t");
        var net = new Network("n", new Shape(2), 1).Add(new Dense(2));
        var ex = Assert.Throws<ShapeMismatchException>(() => new Trainer(net, new TrainingOptions()).Fit(data));
        Assert.Contains("3 target values", ex.Message);
    }

    [Theory]
    [InlineData(0, 32, 0.0)]
    [InlineData(1, 0, 0.0)]
    [InlineData(1, 32, 1.0)]
    public void BadOptions_AreRefused(int epochs, int batchSize, double split)
    {
        var net = SpiralNet(1);
        Assert.Throws<InvalidConfigurationException>(() => new Trainer(net, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, ValidationSplit = split }));
    }

    [Fact]
    public void Training_CopiesClassNamesAndPreprocessorIntoTheNetwork()
    {
        var data = Spirals(10, 1);
        data.Preprocessor = new FeaturePreprocessor(new[] { "x", "y" }, 1f, null, null);
        var net = SpiralNet(1);
        new Trainer(net, new TrainingOptions { Epochs = 1 }).Fit(data).ToList();
        Assert.Equal(new[] { "arm0", "arm1", "arm2" }, net.ClassNames);
        Assert.Same(data.Preprocessor, net.Preprocessor);
    }

    [Fact]
    public void SteadyStateStep_AllocatesNothing()
    {
        // Small enough that no GEMM goes parallel, with every layer type of this slice in the network.
        var net = new Network("z", new Shape(2, 3), 1)
            .Add(new Flatten()).Add(new Dense(8, ActivationKind.GELU)).Add(new Dropout(0.2)).Add(new Dense(4, ActivationKind.Tanh))
            .Add(new Activation(ActivationKind.LeakyReLU)).Add(new Dense(3)).Add(new Activation(ActivationKind.Softmax));
        var rng = new NeuralRandom(1);
        var x = new Tensor(20, 2, 3);
        for (int i = 0; i < x.Size; i++) x[i] = rng.NextSingle();
        var labels = Enumerable.Range(0, 20).Select(i => i % 3).ToArray();
        var data = new Dataset(x, labels, null, null, "z");
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 5, Optimizer = "Adam", WeightDecay = 0.01 });
        trainer.Fit(data).ToList(); // warm-up: buffers, state, JIT
        int[] indices = { 3, 1, 4, 1, 5 };
        Allocations.AssertTrainingStepsAllocateNothing(trainer, data, indices, steps: 20);
    }
}
