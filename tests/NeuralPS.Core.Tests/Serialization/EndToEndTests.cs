using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Data;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Serialization;

/// <summary>The engine's real layers through data → training → model file → evaluation/prediction.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nps-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Iris_records_train_save_load_and_predict_raw_records_identically()
    {
        const ulong seed = 7;
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "Species" });
        foreach (var row in BuiltinDatasets.LoadRecords("Iris")) Assert.True(converter.TryAdd(row, out _));
        var (train, validation) = converter.ToDatasets(0.2, NeuralRandom.Derive(seed, "split"));

        var net = new Network("iris", new Shape(4), seed);
        net.Add(new Dense(16, ActivationKind.ReLU)).Add(new Dropout(0.1)).Add(new Dense(3));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 60, BatchSize = 16, LearningRate = 0.01, Seed = seed, ValidationData = validation });
        var history = trainer.Fit(train).ToList();
        Assert.Equal(60, net.EpochsTrained);

        var report = (ClassificationReport)ModelEvaluator.Evaluate(net, validation);
        Assert.True(report.Accuracy >= 0.9, $"validation accuracy {report.Accuracy}");
        Assert.Equal(history[^1].ValidationLoss!.Value, report.Loss, 4);

        string path = Path.Combine(_dir, "iris.npsm");
        ModelFile.Save(net, path);
        var loaded = ModelFile.Load(path);
        Assert.Equal(new[] { "dense_1", "dropout_1", "dense_2" }, loaded.Layers.Select(l => l.Name));
        Assert.Equal(60, loaded.EpochsTrained);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, loaded.ClassNames);

        var again = (ClassificationReport)ModelEvaluator.Evaluate(loaded, validation);
        Assert.Equal(report.Loss, again.Loss);
        Assert.Equal(report.ConfusionMatrix.ToArray(), again.ConfusionMatrix.ToArray());

        // Raw rows, as Import-Csv hands them (strings), with one bad row in the middle.
        var rows = CsvReader.ReadRecords(TestData.IrisCsv).Take(5).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        rows.Insert(2, new Dictionary<string, object?> { ["SepalLength"] = "5", ["SepalWidth"] = "x" });
        var before = new Predictor(net).PredictRecords(rows);
        var after = new Predictor(loaded).PredictRecords(rows);
        Assert.Equal("Record 3: property 'SepalWidth' = 'x' is not a number.", after[2].Error!.Message);
        for (int i = 0; i < rows.Count; i++)
        {
            if (i == 2) continue;
            Assert.Equal("setosa", after[i].Prediction!.Label);
            Assert.Equal(before[i].Prediction!.Probabilities, after[i].Prediction!.Probabilities);
        }

        // Measure-Model on raw rows: labels mapped through the saved class names, label column remembered.
        var eval = RecordConverter.ForEvaluation(loaded);
        foreach (var row in BuiltinDatasets.LoadRecords("Iris")) Assert.True(eval.TryAdd(row, out _));
        var full = (ClassificationReport)ModelEvaluator.Evaluate(loaded, eval.ToDataset());
        Assert.Equal(150, full.Count);
        Assert.True(full.Accuracy >= 0.9, $"accuracy on all rows {full.Accuracy}");
    }

    [Fact]
    public void Fashion_sample_mlp_round_trips_to_bit_identical_outputs()
    {
        var train = IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTrainLabels, new IdxReadOptions { ClassNames = KnownClassNames.FashionMnist });
        var test = IdxReader.ReadDataset(TestData.FashionTestImages, TestData.FashionTestLabels, new IdxReadOptions { ClassNames = KnownClassNames.FashionMnist });
        var net = new Network("fashion", new Shape(1, 28, 28), 3);
        net.Add(new Flatten()).Add(new Dense(32, ActivationKind.ReLU)).Add(new Dense(10)).Add(new Activation(ActivationKind.Softmax));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = 64, Seed = 3 });
        trainer.Fit(train).ToList();

        string path = Path.Combine(_dir, "fashion.npsm");
        ModelFile.Save(net, path);
        var loaded = ModelFile.Load(path);
        Assert.Equal(1f / 255f, loaded.Preprocessor!.Scale);
        Assert.Equal("Ankle boot", loaded.ClassNames![9]);

        var a = net.Forward(test.Features, LayerContext.Inference()).ToArray();
        var b = loaded.Forward(test.Features, LayerContext.Inference()).ToArray();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));

        var report = (ClassificationReport)ModelEvaluator.Evaluate(loaded, test);
        Assert.True(report.Accuracy > 0.5, $"accuracy {report.Accuracy} after 3 epochs on 1000 samples");
        Assert.Equal(KnownClassNames.FashionMnist, report.ClassNames);
        var first = new Predictor(loaded).Predict(test)[0];
        Assert.Equal(first.Probabilities!.Max(), first.Probability);
        Assert.Equal(1.0, first.Probabilities!.Sum(), 5);
    }
}
