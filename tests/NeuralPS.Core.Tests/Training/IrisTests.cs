using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Training;

/// <summary>End to end on real data: the Iris CSV shipped in data/iris, a stratified 80/20 split (40 train
/// and 10 test flowers per species, seeded), standardisation fitted on the training rows only, and the
/// test rows encoded through the model's own saved preprocessing and label mapping.</summary>
public class IrisTests(ITestOutputHelper output)
{
    [Fact]
    public void Mlp_ReachesAtLeast95PercentTestAccuracy_OnIris()
    {
        var records = CsvReader.ReadRecords(Path.Combine(AppContext.BaseDirectory, "data", "iris", "iris.csv")).ToList();
        Assert.Equal(150, records.Count);

        var rng = new NeuralRandom(2024);
        var train = new List<CsvRecord>();
        var test = new List<CsvRecord>();
        foreach (var species in records.GroupBy(r => (string)r["Species"]!))
        {
            var rows = species.ToArray();
            var order = Enumerable.Range(0, rows.Length).ToArray();
            rng.Shuffle(order);
            for (int i = 0; i < rows.Length; i++) (i < rows.Length / 5 ? test : train).Add(rows[order[i]]);
        }

        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "Species", Name = "iris-train" });
        foreach (var r in train) Assert.True(converter.TryAdd(r, out var error), error?.Message);
        var trainData = converter.ToDataset();
        Assert.Equal(3, trainData.ClassCount);

        var net = new Network("iris", new Shape(4), 7)
            .Add(new Dense(16, ActivationKind.ReLU))
            .Add(new Dense(3, ActivationKind.Softmax));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 100, BatchSize = 16, LearningRate = 0.01, Seed = 7 });
        var history = trainer.Fit(trainData).ToList();
        Assert.NotNull(net.Preprocessor);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, net.ClassNames!.OrderBy(n => n));

        var testConverter = RecordConverter.ForEvaluation(net);
        foreach (var r in test) Assert.True(testConverter.TryAdd(r, out var error), error?.Message);
        var testData = testConverter.ToDataset();
        Assert.Equal(30, testData.Count);

        var (testLoss, testAccuracy) = trainer.Evaluate(testData);
        output.WriteLine($"Iris: train accuracy {history[^1].Metric:P1}, test accuracy {testAccuracy:P1} ({testData.Count} flowers), test loss {testLoss:F4}");
        Assert.True(testAccuracy >= 0.95, $"test accuracy {testAccuracy:P1} (loss {testLoss:F3}); train accuracy {history[^1].Metric:P1}");
    }
}
