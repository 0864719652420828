using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Training;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>Issue 8, defect 7: NaN and Inf stop training with an error that names the epoch, the batch, the
/// records and the layer, and leave the network at its last finite weights; such weights are not saved.</summary>
public sealed class NonFiniteTrainingTests
{
    private static Network Net(ulong seed = 2) => new Network("spiral", new Shape(2), seed)
        .Add(new Dense(16, ActivationKind.ReLU))
        .Add(new Dense(3));

    private static float[][] Weights(Network net) => net.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static bool AllFinite(Network net) => net.Parameters.All(p => FiniteCheck.AllFinite(p.Value.Span));

    [Fact]
    public void One_NaN_feature_stops_training_naming_epoch_batch_record_and_first_layer()
    {
        var data = TrainerTests.Spirals(40, 1); // 120 samples
        data.Features[2 * 77] = float.NaN; // record 77, first feature (a ReLU turns it into 0: the loss stays finite)
        var net = Net();
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = 16, Seed = 3, Shuffle = false });
        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Fit(data).ToList());
        Assert.Equal(1, e.Epoch);
        Assert.Equal(77 / 16 + 1, e.Batch);
        Assert.Equal(new[] { 77 }, e.Records);
        Assert.Equal("dense_1", e.Layer);
        Assert.Contains("epoch 1, batch 5", e.Message);
        Assert.Contains("77", e.Message);
        Assert.True(AllFinite(net), "the network must keep its last finite weights");
    }

    [Fact]
    public void The_optimizer_state_is_restored_too_so_the_trainer_can_go_on()
    {
        var data = TrainerTests.Spirals(40, 1);
        var bad = TrainerTests.Spirals(40, 1);
        bad.Features[2 * 70] = float.NaN; // batch 5 of 16
        var net = Net();
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 3, Shuffle = false });
        Assert.Throws<NonFiniteTrainingException>(() => trainer.Fit(bad).ToList());
        Assert.Equal(4, trainer.Optimizer.StepCount);
        Assert.All(trainer.Optimizer.State, s => Assert.True(FiniteCheck.AllFinite(s.Value.Span), s.Name));
        var history = trainer.Fit(data).ToList(); // the same trainer goes on from batch 5, on clean data
        Assert.Single(history);
        Assert.True(double.IsFinite(history[0].Loss));
        Assert.Equal(8, trainer.Optimizer.StepCount);
        Assert.True(AllFinite(net));
    }

    [Fact]
    public void The_network_is_left_exactly_at_the_weights_after_the_last_finite_batch()
    {
        var clean = TrainerTests.Spirals(40, 1);
        var bad = TrainerTests.Spirals(40, 1);
        bad.Features[2 * 50 + 1] = float.PositiveInfinity; // batch 4 of 16
        // Train the reference on exactly the first three batches through a dataset of those 48 samples.
        var first48 = clean.Subset(Enumerable.Range(0, 48).ToArray());
        var reference = Net();
        new Trainer(reference, new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 3, Shuffle = false }).Fit(first48).ToList();

        var net = Net();
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 3, Shuffle = false }).Fit(bad).ToList());
        Assert.Equal(4, e.Batch);
        Assert.Equal(Weights(reference), Weights(net));
    }

    [Fact]
    public void A_NaN_target_stops_regression_training()
    {
        var data = Regression(64, 5);
        var t = data.Targets!;
        t[40] = float.NaN;
        var net = new Network("reg", new Shape(2), 1).Add(new Dense(8, ActivationKind.Tanh)).Add(new Dense(1));
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = 1, Shuffle = false }).Fit(data).ToList());
        Assert.Equal((1, 2), (e.Epoch, e.Batch));
        Assert.Equal(new[] { 40 }, e.Records);
        Assert.True(AllFinite(net));
    }

    private static Dataset Regression(int n, ulong seed)
    {
        var rng = new NeuralRandom(seed);
        var x = new Tensor(n, 2);
        var t = new Tensor(n, 1);
        for (int i = 0; i < n; i++) { x[2 * i] = (float)rng.NextGaussian(); x[2 * i + 1] = (float)rng.NextGaussian(); t[i] = x[2 * i] - x[2 * i + 1]; }
        return new Dataset(x, null, t, name: "reg");
    }

    [Fact]
    public void A_learning_rate_of_1e6_stops_training_instead_of_completing_with_NaN_weights()
    {
        var data = Regression(64, 5);
        var net = new Network("reg", new Shape(2), 1).Add(new Dense(8, ActivationKind.Tanh)).Add(new Dense(1));
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            new Trainer(net, new TrainingOptions { Epochs = 20, BatchSize = 16, Optimizer = "SGD", LearningRate = 1e6, Seed = 3 }).Fit(data).ToList());
        Assert.True(AllFinite(net));
        Assert.NotNull(e.Layer);
        Assert.Equal(16, e.Records.Count); // no record is at fault: the batch is named
        Assert.Contains("learning rate", e.Message);
    }

    [Fact]
    public void Records_are_named_by_their_index_in_the_input_after_a_validation_split()
    {
        var data = TrainerTests.Spirals(40, 1);
        data.Features[2 * 101] = float.NaN;
        var net = Net();
        var e = Assert.Throws<NonFiniteTrainingException>(() =>
            new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 16, Seed = 3, ValidationSplit = 0.1 }).Fit(data).ToList());
        Assert.Equal(new[] { 101 }, e.Records);
    }

    [Fact]
    public void Saving_non_finite_weights_is_refused_unless_allowed()
    {
        var net = Net();
        net.Layers[1].Parameters[0].Value[5] = float.NaN;
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Encode(net));
        Assert.Contains("dense_2", e.Message);
        Assert.Contains("AllowNonFinite", e.Message);
        var bytes = ModelFile.Encode(net, allowNonFinite: true);
        Assert.True(float.IsNaN(ModelFile.Load(new MemoryStream(bytes)).Layers[1].Parameters[0].Value[5]));
    }

    [Fact]
    public void FiniteCheck_finds_every_kind_of_non_finite_value_at_every_position()
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            for (int n = 1; n < 70; n += 3)
                for (int at = 0; at < n; at++)
                {
                    var v = Enumerable.Range(0, n).Select(i => (float)i * 1e36f).ToArray();
                    Assert.True(FiniteCheck.AllFinite(v));
                    v[at] = bad;
                    Assert.Equal(at, FiniteCheck.FirstNonFinite(v));
                }
    }
}
