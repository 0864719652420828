using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Invoke-Training behind the cmdlet: records in (bad ones reported and skipped), epochs out
/// as they complete, on the calling thread; the real engine trains Iris to ≥ 95 % test accuracy.</summary>
public sealed class TrainingCommandTests
{
    private static Network IrisNetwork(ulong seed = 1)
    {
        var n = NetworkBuilder.Create("iris", new[] { 4 }, seed);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 16, Activation = "ReLU" }));
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
        return n;
    }

    private static TrainingSettings Settings(int epochs, double split = 0, string? label = "Species", int batch = 16, double lr = 0.01) => new()
    {
        Options = new TrainingOptions { Epochs = epochs, BatchSize = batch, LearningRate = lr, ValidationSplit = split },
        LabelProperty = label,
    };

    [Fact]
    public void Iris_records_through_the_command_layer_reach_95_percent_test_accuracy()
    {
        var (train, test) = Records.IrisSplit();
        var net = IrisNetwork();
        var cmd = new TrainingCommand(net, Settings(epochs: 100));
        foreach (var r in train) Assert.Null(cmd.AddRecord(r));
        var sink = new RecordingSink();
        var history = cmd.Run(sink, CancellationToken.None);
        Assert.Equal(100, history.Count);

        var eval = new EvaluationCommand(net);
        foreach (var r in test) Assert.Null(eval.AddRecord(r));
        var report = Assert.IsType<ClassificationReport>(eval.Run());
        Assert.Equal(30, report.Count);
        Assert.True(report.Accuracy >= 0.95, $"test accuracy {report.Accuracy:F4} < 0.95");
    }

    [Fact]
    public void Each_epoch_is_reported_in_order_on_the_calling_thread()
    {
        var (train, _) = Records.IrisSplit();
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 5, split: 0.2));
        foreach (var r in train) cmd.AddRecord(r);
        var sink = new RecordingSink();
        int caller = Environment.CurrentManagedThreadId;
        var history = cmd.Run(sink, CancellationToken.None);

        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, sink.Epochs.Select(e => e.Epoch));
        Assert.Equal(history, sink.Epochs);
        Assert.Equal(new[] { caller }, sink.Threads);
        var last = sink.Epochs[^1];
        Assert.Equal("iris", last.Network);
        Assert.Equal(5, last.Epochs);
        Assert.Equal("Accuracy", last.MetricName);
        Assert.NotNull(last.Accuracy);
        Assert.NotNull(last.ValidationLoss);
        Assert.NotNull(last.ValidationAccuracy);
        Assert.True(last.SamplesPerSecond > 0);
        Assert.True(last.Duration > TimeSpan.Zero);
        Assert.NotEmpty(sink.Progresses);
        Assert.All(sink.Progresses, p => Assert.InRange(p.PercentComplete, 0, 100));
        Assert.Equal(100, sink.Progresses[^1].PercentComplete);
        Assert.Contains(sink.VerboseLines, l => l.StartsWith("Epoch 5/5: loss ", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_teaches_the_network_its_feature_columns_and_classes()
    {
        var (train, _) = Records.IrisSplit();
        var net = IrisNetwork();
        var cmd = new TrainingCommand(net, Settings(epochs: 1));
        foreach (var r in train) cmd.AddRecord(r);
        cmd.Run(new RecordingSink(), CancellationToken.None);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, net.ClassNames);
        Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth" }, net.Preprocessor!.RecordColumns!.Select(c => c.Name));
        Assert.Equal("Species", net.Preprocessor.LabelName);
    }

    [Fact]
    public void A_bad_record_is_reported_with_its_number_and_property_and_skipped()
    {
        var (train, _) = Records.IrisSplit();
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 1));
        Assert.Null(cmd.AddRecord(train[0]));
        var bad = Records.Of(("SepalLength", "abc"), ("SepalWidth", "3.0"), ("PetalLength", "1.4"), ("PetalWidth", "0.2"), ("Species", "setosa"));
        var error = cmd.AddRecord(bad);
        Assert.NotNull(error);
        Assert.Equal(2, error!.RecordNumber);
        Assert.Equal("SepalLength", error.Column);
        Assert.Contains("Record 2", error.Message);
        Assert.Contains("SepalLength", error.Message);
        foreach (var r in train.Skip(1)) cmd.AddRecord(r);
        Assert.Equal(train.Count, cmd.AcceptedRecords);
        Assert.Single(cmd.Run(new RecordingSink(), CancellationToken.None));
    }

    [Fact]
    public void A_record_without_the_label_property_is_reported()
    {
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 1, label: "Kind"));
        var error = cmd.AddRecord(Records.IrisAsCsvStrings()[0]);
        Assert.NotNull(error);
        Assert.Contains("Kind", error!.Message);
    }

    [Fact]
    public void Without_LabelProperty_the_last_property_is_the_label_and_the_user_is_told()
    {
        var (train, _) = Records.IrisSplit();
        var net = IrisNetwork();
        var cmd = new TrainingCommand(net, Settings(epochs: 1, label: null));
        foreach (var r in train) Assert.Null(cmd.AddRecord(r));
        var sink = new RecordingSink();
        cmd.Run(sink, CancellationToken.None);
        Assert.Contains(sink.VerboseLines, l => l.Contains("'Species'", StringComparison.Ordinal) && l.Contains("last property", StringComparison.Ordinal));
        Assert.Equal(3, net.ClassNames!.Count);
    }

    [Fact]
    public void No_input_is_an_error_that_says_what_to_pipe()
    {
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 1));
        var e = Assert.Throws<DataFormatException>(() => cmd.Run(new RecordingSink(), CancellationToken.None));
        Assert.Contains("Import-Csv", e.Message);
    }

    [Fact]
    public void All_records_rejected_is_an_error_quoting_the_first()
    {
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 1));
        Assert.NotNull(cmd.AddRecord(Records.Of(("SepalLength", "5.1"), ("SepalWidth", "3.5"))));
        var e = Assert.Throws<DataFormatException>(() => cmd.Run(new RecordingSink(), CancellationToken.None));
        Assert.Contains("rejected", e.Message);
        Assert.Contains("Record 1", e.Message);
    }

    [Fact]
    public void Records_and_a_dataset_cannot_be_mixed()
    {
        var cmd = new TrainingCommand(IrisNetwork(), Settings(epochs: 1));
        cmd.AddRecord(Records.IrisAsCsvStrings()[0]);
        Assert.Throws<InvalidConfigurationException>(() => cmd.AddDataset(BuiltinDatasets.Load("Iris")));
        var cmd2 = new TrainingCommand(IrisNetwork(), Settings(epochs: 1));
        cmd2.AddDataset(BuiltinDatasets.Load("Iris"));
        Assert.Throws<InvalidConfigurationException>(() => cmd2.AddRecord(Records.IrisAsCsvStrings()[0]));
        Assert.Throws<InvalidConfigurationException>(() => cmd2.AddDataset(BuiltinDatasets.Load("Iris")));
    }

    [Fact]
    public void A_dataset_trains_and_ignores_record_options_with_a_notice()
    {
        var net = IrisNetwork();
        var cmd = new TrainingCommand(net, Settings(epochs: 3, split: 0.2, label: "Species"));
        cmd.AddDataset(BuiltinDatasets.Load("Iris"));
        var sink = new RecordingSink();
        var history = cmd.Run(sink, CancellationToken.None);
        Assert.Equal(3, history.Count);
        Assert.NotNull(history[0].ValidationAccuracy);
        Assert.Contains(sink.VerboseLines, l => l.Contains("ignored", StringComparison.Ordinal));
        Assert.Equal(3, net.ClassNames!.Count);
    }

    [Fact]
    public void Validation_records_are_read_with_the_training_encoding()
    {
        var (train, test) = Records.IrisSplit();
        var bad = Records.Of(("SepalLength", "?"), ("SepalWidth", "3"), ("PetalLength", "1"), ("PetalWidth", "1"), ("Species", "setosa"));
        var settings = new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01 },
            LabelProperty = "Species",
            ValidationRecords = test.Append(bad).ToList(),
        };
        var cmd = new TrainingCommand(IrisNetwork(), settings);
        foreach (var r in train) cmd.AddRecord(r);
        var sink = new RecordingSink();
        var history = cmd.Run(sink, CancellationToken.None);
        Assert.NotNull(history[^1].ValidationAccuracy);
        var (error, source) = Assert.Single(sink.Rejected);
        Assert.Same(bad.Source, source);
        Assert.Contains("Validation record 31", error.Message);
    }

    [Fact]
    public void Numeric_targets_train_a_regression_without_accuracy()
    {
        var rows = new List<RecordView>();
        var rnd = new Random(3);
        for (int i = 0; i < 64; i++)
        {
            double x = rnd.NextDouble() * 4 - 2, y = rnd.NextDouble() * 4 - 2;
            rows.Add(Records.Of(("x", x), ("y", y), ("target", 0.5 * x - 0.25 * y + 0.1 + 0.001 * i)));
        }
        var net = NetworkBuilder.Create("reg", new[] { 2 }, 1);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 1 }));
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 0.05 },
            LabelProperty = "target",
            Task = LearningTask.Regression,
        });
        foreach (var r in rows) Assert.Null(cmd.AddRecord(r));
        var history = cmd.Run(new RecordingSink(), CancellationToken.None);
        Assert.Equal("MAE", history[0].MetricName);
        Assert.Null(history[0].Accuracy);
        Assert.Null(net.ClassNames);
    }

    [Fact]
    public void Cancelling_stops_after_the_current_batch_and_keeps_the_finished_epochs()
    {
        var (train, _) = Records.IrisSplit();
        var net = IrisNetwork();
        var cmd = new TrainingCommand(net, Settings(epochs: 200, batch: 4));
        foreach (var r in train) cmd.AddRecord(r);
        using var stop = new CancellationTokenSource();
        var sink = new RecordingSink { OnEpoch = e => { if (e.Epoch == 1) stop.Cancel(); } };
        var history = cmd.Run(sink, stop.Token);
        Assert.InRange(history.Count, 1, 199);
        Assert.Contains(sink.VerboseLines, l => l.Contains("stopped", StringComparison.Ordinal));
        // The network is usable afterwards.
        var eval = new EvaluationCommand(net);
        foreach (var r in train.Take(10)) eval.AddRecord(r);
        Assert.IsType<ClassificationReport>(eval.Run());
    }

    [Fact]
    public void The_engine_seam_receives_the_options_and_its_events_reach_the_sink()
    {
        var engine = new ScriptedEngine();
        var (train, _) = Records.IrisSplit();
        var settings = Settings(epochs: 2);
        settings.Options.Optimizer = "SGD";
        var cmd = new TrainingCommand(IrisNetwork(), settings, engine);
        foreach (var r in train) cmd.AddRecord(r);
        var sink = new RecordingSink();
        var history = cmd.Run(sink, CancellationToken.None);
        Assert.Equal("SGD", engine.Options!.Optimizer);
        Assert.Equal(120, engine.TrainData!.Count);
        Assert.Equal(2, history.Count);
        Assert.Contains(sink.VerboseLines, l => l == "engine says hi");
        Assert.Single(sink.Threads);
        Assert.NotEqual(engine.Thread, sink.Threads.Single());
    }

    [Fact]
    public void Training_again_on_records_reuses_the_networks_encoding()
    {
        var (train, test) = Records.IrisSplit();
        var net = IrisNetwork();
        var first = new TrainingCommand(net, Settings(epochs: 1));
        foreach (var r in train) first.AddRecord(r);
        first.Run(new RecordingSink(), CancellationToken.None);
        var pre = net.Preprocessor;

        var again = new TrainingCommand(net, Settings(epochs: 1, split: 0.2, label: null));
        foreach (var r in test) Assert.Null(again.AddRecord(r));
        var sink = new RecordingSink();
        Assert.Single(again.Run(sink, CancellationToken.None));
        Assert.Same(pre, net.Preprocessor);
        Assert.Equal(2, net.EpochsTrained);
        Assert.Contains(sink.VerboseLines, l => l.Contains("already has feature columns", StringComparison.Ordinal));
    }

    [Fact]
    public void A_network_trained_on_idx_data_does_not_continue_on_records()
    {
        var net = IrisNetwork();
        net.Preprocessor = new FeaturePreprocessor(null, 1f / 255f, null, null);
        var cmd = new TrainingCommand(net, Settings(epochs: 1));
        var e = Assert.Throws<InvalidConfigurationException>(() => cmd.AddRecord(Records.IrisAsCsvStrings()[0]));
        Assert.Contains("dataset", e.Message);
    }

    [Theory]
    [InlineData(0, 32, 0.001, 0.0)]
    [InlineData(1, 0, 0.001, 0.0)]
    [InlineData(1, 32, 0.0, 0.0)]
    [InlineData(1, 32, 0.001, 1.0)]
    public void Out_of_range_options_are_refused(int epochs, int batch, double lr, double split)
    {
        Assert.Throws<InvalidConfigurationException>(() => new TrainingCommand(IrisNetwork(), new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = epochs, BatchSize = batch, LearningRate = lr, ValidationSplit = split },
        }));
    }

    private sealed class ScriptedEngine : ITrainingEngine
    {
        public TrainingOptions? Options { get; private set; }
        public Dataset? TrainData { get; private set; }
        public int Thread { get; private set; }

        public void Train(Network network, Dataset train, TrainingOptions options, string backend,
            Action<BatchProgress> onBatch, Action<EpochResult> onEpoch, Action<string> onMessage, CancellationToken cancellation)
        {
            Options = options;
            TrainData = train;
            Thread = Environment.CurrentManagedThreadId;
            onMessage("engine says hi");
            for (int e = 1; e <= options.Epochs; e++)
            {
                onBatch(new BatchProgress(e, options.Epochs, 1, 1, 0.5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
                onEpoch(new EpochResult(e, options.Epochs, 0.5, "Accuracy", 0.9, null, null, TimeSpan.FromSeconds(1), 100, 0.01));
            }
        }
    }
}

/// <summary>Issue 8, defect 9, at the command layer: the converter's decisions reach -Verbose, and a decision
/// made by a minority of the values reaches Write-Warning.</summary>
public sealed class TrainingCommandNoticeTests
{
    [Fact]
    public void A_column_made_categorical_by_one_NaN_in_the_first_record_is_a_warning_and_kinds_are_verbose()
    {
        var net = NetworkBuilder.Create("n", new[] { 3 }, 1);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 2 }));
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 1, BatchSize = 4 },
            LabelProperty = "y",
        });
        Assert.Null(cmd.AddRecord(Records.Of(("a", "NaN"), ("y", "p"))));
        Assert.Null(cmd.AddRecord(Records.Of(("a", "1"), ("y", "q"))));
        Assert.Null(cmd.AddRecord(Records.Of(("a", "2"), ("y", "p"))));
        var sink = new RecordingSink();
        cmd.Run(sink, CancellationToken.None);
        Assert.Contains(sink.Warnings, w => w.Contains("Column 'a' was made categorical", StringComparison.Ordinal));
        Assert.Contains(sink.VerboseLines, v => v.Contains("Label 'y': classification", StringComparison.Ordinal));
    }
}
