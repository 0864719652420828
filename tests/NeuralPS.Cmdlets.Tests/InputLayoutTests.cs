using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Image rows in CSV (a label and one column per pixel, data/digits/digits.csv: scikit-learn's 8×8
/// digits in Kaggle's MNIST CSV layout) feed a network created with -InputShape 1,8,8.</summary>
public sealed class InputLayoutTests
{
    private static List<RecordView> DigitRows(int count)
    {
        var rows = new List<RecordView>();
        string[] lines = File.ReadAllLines(Repo.Data("digits", "digits.csv"));
        string[] header = lines[0].Split(',');
        for (int i = 1; i <= count; i++)
        {
            string[] cells = lines[i].Split(',');
            var view = new RecordView(lines[i]);
            for (int c = 0; c < header.Length; c++) view.Add(header[c], cells[c]);
            rows.Add(view);
        }
        return rows;
    }

    private static Network DigitCnn(int side = 8)
    {
        var net = NetworkBuilder.Create("digits", new[] { 1, side, side }, 3);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Conv2d", new LayerParameters { Filters = 4, KernelSize = new[] { 3 }, Activation = "ReLU" }));
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Flatten", new LayerParameters()));
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 10 }));
        return net;
    }

    private static TrainingCommand Training(Network net, IEnumerable<RecordView> rows, int epochs = 2)
    {
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.01 },
            LabelProperty = "label",
        });
        foreach (var r in rows) Assert.Null(cmd.AddRecord(r));
        return cmd;
    }

    [Fact]
    public void Flat_pixel_records_train_a_convolutional_network_and_say_so_once_in_verbose()
    {
        var net = DigitCnn();
        var sink = new RecordingSink();
        var history = Training(net, DigitRows(600)).Run(sink, CancellationToken.None);
        Assert.Equal(2, history.Count);
        Assert.Single(sink.VerboseLines, l => l.Contains("64 features are laid out in the input shape 1×8×8", StringComparison.Ordinal));
        Assert.True(history[^1].Accuracy > 0.5, $"accuracy {history[^1].Accuracy}");
    }

    [Fact]
    public void Measure_and_predict_take_the_same_flat_records()
    {
        var rows = DigitRows(700);
        var net = DigitCnn();
        Training(net, rows.Take(500), epochs: 4).Run(new RecordingSink(), CancellationToken.None);
        var eval = new EvaluationCommand(net);
        foreach (var r in rows.Skip(500)) Assert.Null(eval.AddRecord(r));
        var verbose = new List<string>();
        var report = Assert.IsType<ClassificationReport>(eval.Run(verbose.Add));
        Assert.Equal(200, report.Count);
        Assert.InRange(report.Accuracy, 0.7, 1.0);
        Assert.Single(verbose);

        var predict = new PredictionCommand(net, batchSize: 64);
        var outcomes = rows.Skip(500).SelectMany(predict.Add).ToList();
        outcomes.AddRange(predict.Flush());
        Assert.Equal(200, outcomes.Count);
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.NotNull(InputLayout.RecordNotice(net));
    }

    [Fact]
    public void A_flat_dataset_of_the_input_size_is_laid_out_row_major()
    {
        var net = DigitCnn();
        var flat = new Dataset(NeuralPS.Core.Tensors.Tensor.FromArray(new NeuralPS.Core.Tensors.Shape(2, 64), Enumerable.Range(0, 128).Select(i => (float)i).ToArray()), new[] { 0, 1 }, null, null, "flat");
        var laid = InputLayout.Fit(flat, net, null);
        Assert.Equal(new NeuralPS.Core.Tensors.Shape(2, 1, 8, 8), laid.Features.Shape);
        Assert.Same(flat.Features.Data, laid.Features.Data);   // a view: pixel 8r+c is row r, column c
        Assert.Equal(new[] { 0, 1 }, laid.ClassLabels);
    }

    [Fact]
    public void A_real_mismatch_names_both_sizes()
    {
        var net = DigitCnn(side: 7);
        var cmd = Training(net, DigitRows(50));
        var e = Assert.Throws<ShapeMismatchException>(() => cmd.Run(new RecordingSink(), CancellationToken.None));
        Assert.Contains("64 values per sample", e.Message);
        Assert.Contains("1×7×7 (49 values)", e.Message);
        Assert.Equal(ErrorKind.InvalidArgument, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void A_network_of_flat_input_is_left_alone()
    {
        var net = NetworkBuilder.Create("flat", new[] { 64 }, 1);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 10 }));
        var sink = new RecordingSink();
        Training(net, DigitRows(100), epochs: 1).Run(sink, CancellationToken.None);
        Assert.DoesNotContain(sink.VerboseLines, l => l.Contains("laid out", StringComparison.Ordinal));
        Assert.Null(InputLayout.RecordNotice(net));
    }
}
