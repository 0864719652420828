using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Data;
using NeuralPS.Core.Training;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Training;

/// <summary>Recurrent layers learn a real sequence task: the shipped Fashion-MNIST sample read row by
/// row ("sequential Fashion-MNIST": 28 time steps of 28 pixels, the classic test of an RNN's memory).
/// The network only sees one image row per step, so it must carry what it saw in its state.</summary>
public sealed class SequenceTrainingTests
{
    private readonly ITestOutputHelper _output;
    public SequenceTrainingTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("LSTM", 0.70)]
    [InlineData("GRU", 0.70)]
    public void Recurrent_classifier_learns_Fashion_MNIST_read_row_by_row(string type, double minimumAccuracy)
    {
        var train = IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTrainLabels, new IdxReadOptions { Limit = 2000 })
            .WithSampleShape(new Shape(28, 28));
        var test = IdxReader.ReadDataset(TestData.FashionTestImages, TestData.FashionTestLabels, new IdxReadOptions { Limit = 500 })
            .WithSampleShape(new Shape(28, 28));
        Layer cell = type == "LSTM" ? new LSTM(48) : new GRU(48);
        var net = new Network("seq-fashion", new Shape(28, 28), 3).Add(cell).Add(new Dense(10));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 8, BatchSize = 32, Seed = 3, Optimizer = "Adam", LearningRate = 0.005 });
        var history = trainer.Fit(train).ToList();
        var (loss, accuracy) = trainer.Evaluate(test);
        _output.WriteLine($"{type}: train loss {history[0].Loss:F3} -> {history[^1].Loss:F3}, test accuracy {accuracy:P1} on {test.Count} images (loss {loss:F3})");
        Assert.True(history[^1].Loss < history[0].Loss, "training loss must fall");
        Assert.True(accuracy >= minimumAccuracy, $"{type} test accuracy {accuracy:P1} (loss {loss:F3}) below {minimumAccuracy:P0}");
    }

    [Fact]
    public void Class_labels_with_a_per_step_output_are_refused_naming_the_shape()
    {
        var train = IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTrainLabels, new IdxReadOptions { Limit = 64 })
            .WithSampleShape(new Shape(28, 28));
        var net = new Network("seq2seq", new Shape(28, 28), 3).Add(new GRU(8, returnSequences: true)).Add(new Dense(10));
        var ex = Assert.Throws<ShapeMismatchException>(() => new Trainer(net, new TrainingOptions { Epochs = 1 }).Fit(train).ToList());
        Assert.Contains("(28, 10)", ex.Message);
        Assert.Contains("-ReturnSequences", ex.Message);
    }
}
