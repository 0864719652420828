using System.Collections.Specialized;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Measure-Model and Invoke-Prediction behind the cmdlets, on a network trained once on Iris.</summary>
public sealed class EvaluationAndPredictionTests : IClassFixture<EvaluationAndPredictionTests.TrainedIris>
{
    public sealed class TrainedIris
    {
        public TrainedIris()
        {
            (Train, Test) = Records.IrisSplit();
            Network = NetworkBuilder.Create("iris", new[] { 4 }, 3);
            NetworkBuilder.AddLayer(Network, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 16, Activation = "ReLU" }));
            NetworkBuilder.AddLayer(Network, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
            var cmd = new TrainingCommand(Network, new TrainingSettings
            {
                Options = new TrainingOptions { Epochs = 40, BatchSize = 16, LearningRate = 0.01 },
                LabelProperty = "Species",
            });
            foreach (var r in Train) cmd.AddRecord(r);
            cmd.Run(new RecordingSink(), CancellationToken.None);
        }

        internal Network Network { get; }
        internal List<RecordView> Train { get; }
        internal List<RecordView> Test { get; }
    }

    private readonly TrainedIris _iris;

    public EvaluationAndPredictionTests(TrainedIris iris) => _iris = iris;

    [Fact]
    public void Measure_reports_accuracy_loss_per_class_metrics_and_confusion_matrix()
    {
        var eval = new EvaluationCommand(_iris.Network);
        foreach (var r in _iris.Test) Assert.Null(eval.AddRecord(r));
        var report = Assert.IsType<ClassificationReport>(eval.Run());
        Assert.Equal("Classification", report.Task);
        Assert.Equal(30, report.Count);
        Assert.InRange(report.Accuracy, 0.9, 1.0);
        Assert.True(report.Loss > 0);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, report.Classes.Select(c => c.Class));
        Assert.Equal(30, Enumerable.Range(0, 3).Sum(a => Enumerable.Range(0, 3).Sum(p => report.ConfusionMatrix[a, p])));
    }

    [Fact]
    public void Measure_adds_precision_recall_and_F1_by_class_name()
    {
        var eval = new EvaluationCommand(_iris.Network);
        foreach (var r in _iris.Test) eval.AddRecord(r);
        var report = (ClassificationReport)eval.Run();
        var extra = EvaluationCommand.ExtraProperties(report).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(new[] { "Precision", "Recall", "F1", "PerClass" }, extra.Keys);
        var precision = Assert.IsType<OrderedDictionary>(extra["Precision"]);
        Assert.Equal(report.Classes[1].Precision, precision["versicolor"]);
        Assert.Equal(report.Classes[1].Precision, precision["VERSICOLOR"]);
        Assert.Equal(report.Classes[2].F1, ((OrderedDictionary)extra["F1"]!)[2]);
        Assert.Same(report.Classes, extra["PerClass"]);
    }

    [Fact]
    public void Measure_on_a_dataset_uses_its_labels()
    {
        var eval = new EvaluationCommand(_iris.Network);
        eval.AddDataset(BuiltinDatasets.Load("Iris"));
        Assert.Equal(150, eval.Run().Count);
    }

    [Fact]
    public void Measure_reports_a_bad_record_and_measures_the_rest()
    {
        var eval = new EvaluationCommand(_iris.Network);
        var error = eval.AddRecord(Records.Of(("SepalLength", "5"), ("SepalWidth", "3"), ("PetalLength", "1"), ("PetalWidth", "0.2"), ("Species", "rose")));
        Assert.NotNull(error);
        Assert.Contains("rose", error!.Message);
        foreach (var r in _iris.Test) eval.AddRecord(r);
        Assert.Equal(30, eval.Run().Count);
    }

    [Fact]
    public void Measure_without_input_says_what_to_pipe()
    {
        var e = Assert.Throws<DataFormatException>(() => new EvaluationCommand(_iris.Network).Run());
        Assert.Contains("Measure-Model", e.Message);
    }

    [Fact]
    public void Measure_refuses_an_untrained_empty_network()
    {
        Assert.Throws<InvalidConfigurationException>(() => new EvaluationCommand(NetworkBuilder.Create("e", new[] { 4 }, 1)));
    }

    [Fact]
    public void Predict_adds_label_and_probability_in_batches()
    {
        var predict = new PredictionCommand(_iris.Network, batchSize: 4);
        var outcomes = new List<RecordOutcome>();
        for (int i = 0; i < 10; i++)
        {
            var got = predict.Add(_iris.Test[i]);
            Assert.Equal(i % 4 == 3 ? 4 : 0, got.Count); // written as each batch completes
            outcomes.AddRange(got);
        }
        outcomes.AddRange(predict.Flush());
        Assert.Equal(10, outcomes.Count);
        Assert.Equal(_iris.Test.Take(10).Select(r => r.Source), outcomes.Select(o => o.Record.Source));
        foreach (var o in outcomes)
        {
            Assert.Null(o.Error);
            var cols = o.Columns!.ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal(new[] { "PredictedLabel", "Probability" }, cols.Keys);
            Assert.Contains((string)cols["PredictedLabel"]!, new[] { "setosa", "versicolor", "virginica" });
            Assert.InRange((double)cols["Probability"]!, 1.0 / 3, 1.0);
        }
        int correct = outcomes.Count(o => (string)o.Columns![0].Value! == (string)o.Record["Species"]!);
        Assert.True(correct >= 9, $"{correct}/10 correct");
    }

    [Fact]
    public void Predict_reads_raw_rows_without_the_label()
    {
        var row = _iris.Test[0];
        var unlabelled = Records.Of(("PetalWidth", row["PetalWidth"]), ("SepalLength", row["SepalLength"]), ("PetalLength", row["PetalLength"]), ("SepalWidth", row["SepalWidth"]));
        var predict = new PredictionCommand(_iris.Network);
        Assert.Empty(predict.Add(unlabelled));
        var o = Assert.Single(predict.Flush());
        Assert.Null(o.Error);
        Assert.Equal("setosa", o.Columns![0].Value);
    }

    [Fact]
    public void Predict_with_probabilities_adds_every_class()
    {
        var predict = new PredictionCommand(_iris.Network, includeProbabilities: true);
        predict.Add(_iris.Test[0]);
        var o = predict.Flush().Single();
        var probs = Assert.IsAssignableFrom<IReadOnlyDictionary<string, double>>(o.Columns!.Single(c => c.Key == "Probabilities").Value);
        Assert.Equal(3, probs.Count);
        Assert.Equal(1.0, probs.Values.Sum(), 6);
    }

    [Fact]
    public void Predict_reports_a_record_it_cannot_read()
    {
        var predict = new PredictionCommand(_iris.Network);
        predict.Add(Records.Of(("SepalLength", "5")));
        var o = predict.Flush().Single();
        Assert.Null(o.Columns);
        Assert.Contains("SepalWidth", o.Error!.Message);
    }

    [Fact]
    public void Predict_on_a_dataset_gives_one_object_per_sample_with_the_actual_label()
    {
        var predictions = new PredictionCommand(_iris.Network).PredictDataset(BuiltinDatasets.Load("Iris")).ToList();
        Assert.Equal(150, predictions.Count);
        Assert.Equal(Enumerable.Range(0, 150), predictions.Select(p => p.Index));
        Assert.Equal("setosa", predictions[0].ActualLabel);
        Assert.True(predictions.Count(p => p.PredictedLabel == p.ActualLabel) >= 135);
        Assert.All(predictions, p => Assert.Null(p.PredictedValue));
    }

    [Fact]
    public void Predict_for_regression_adds_PredictedValue()
    {
        var net = NetworkBuilder.Create("reg", new[] { 2 }, 1);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 1 }));
        var rows = Enumerable.Range(0, 20).Select(i => Records.Of(("a", (double)i), ("b", i * 0.5), ("y", i * 1.5))).ToList();
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 1, BatchSize = 5 },
            LabelProperty = "y",
            Task = LearningTask.Regression,
        });
        foreach (var r in rows) cmd.AddRecord(r);
        cmd.Run(new RecordingSink(), CancellationToken.None);

        var predict = new PredictionCommand(net);
        predict.Add(rows[3]);
        var col = Assert.Single(predict.Flush().Single().Columns!);
        Assert.Equal("PredictedValue", col.Key);
        Assert.IsType<double>(col.Value);

        var eval = new EvaluationCommand(net);
        foreach (var r in rows) eval.AddRecord(r);
        var report = Assert.IsType<RegressionReport>(eval.Run());
        Assert.True(report.MAE >= 0 && report.RMSE >= report.MAE);
        Assert.Empty(EvaluationCommand.ExtraProperties(report));
    }
}
