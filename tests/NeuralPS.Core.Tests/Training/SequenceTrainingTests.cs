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

    /// <summary>A character-level language model on the shipped first names (data/first-names): at every step
    /// predict the next character (or the end of the name). Every fifth name is held out. The bar is the
    /// bigram model fitted on the same training names (the most frequent next character after each
    /// character): a recurrent network that sees the whole prefix must beat it.</summary>
    [Fact]
    public void Character_language_model_on_first_names_beats_the_bigram_baseline()
    {
        var names = File.ReadLines(TestData.Path("first-names", "first-names.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        var trainNames = names.Where((_, i) => i % 5 != 0).ToArray();
        var testNames = names.Where((_, i) => i % 5 == 0).ToArray();
        const int time = 12;
        var vocabulary = TextVectorizer.Fit(trainNames, TextTokens.Characters, time, maxTokens: 64);
        Dataset Ids(string[] texts, string name)
        {
            var x = new Tensor(new Shape(texts.Length, time));
            for (int i = 0; i < texts.Length; i++) vocabulary.Transform(texts[i], x.Span.Slice(i * time, time));
            return NextTokenLabels.Build(new Dataset(x, null, null, null, name), vocabulary);
        }
        var train = Ids(trainNames, "names-train");
        var test = Ids(testNames, "names-test");
        int classes = vocabulary.VocabularySize;

        // Bigram baseline: most frequent label after each input id, from the training steps.
        var counts = new int[classes, classes];
        for (int i = 0; i < train.ClassLabels!.Length; i++)
            if (train.ClassLabels[i] >= 0) counts[(int)train.Features[i], train.ClassLabels[i]]++;
        int bigramCorrect = 0, counted = 0;
        for (int i = 0; i < test.ClassLabels!.Length; i++)
        {
            if (test.ClassLabels[i] < 0) continue;
            int id = (int)test.Features[i], best = 0;
            for (int k = 1; k < classes; k++) if (counts[id, k] > counts[id, best]) best = k;
            counted++;
            if (best == test.ClassLabels[i]) bigramCorrect++;
        }
        double bigram = (double)bigramCorrect / counted;

        var net = new Network("names-lm", new Shape(time), 5)
            .Add(new Embedding(classes, 16, paddingIndex: 0))
            .Add(new GRU(64, returnSequences: true, maskZeroSteps: true))
            .Add(new Dense(classes));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 6, BatchSize = 32, Seed = 5, Optimizer = "Adam", LearningRate = 0.005 });
        var history = trainer.Fit(train).ToList();
        var (loss, accuracy) = trainer.Evaluate(test);
        _output.WriteLine($"next character: train loss {history[0].Loss:F3} -> {history[^1].Loss:F3}; test accuracy {accuracy:P1} (loss {loss:F3}) over {counted} steps of {test.Count} names; bigram {bigram:P1}");
        Assert.True(history[^1].Loss < history[0].Loss, "training loss must fall");
        Assert.True(accuracy > bigram + 0.02, $"next-character accuracy {accuracy:P1} does not beat the bigram baseline {bigram:P1}");
    }
}
