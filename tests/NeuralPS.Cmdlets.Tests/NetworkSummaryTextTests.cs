using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Formatting;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The Keras-style table a network prints as.</summary>
public sealed class NetworkSummaryTextTests
{
    [Fact]
    public void The_table_lists_name_type_output_shape_and_parameters_with_the_total()
    {
        var n = NetworkBuilder.Create("iris", new[] { 4 }, 0);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 16, Activation = "ReLU" }));
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
        string text = NetworkSummaryText.Format(n);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("Network 'iris': input (4,), output (3,), seed 0", lines[0]);
        var header = lines.Single(l => l.StartsWith("Name", StringComparison.Ordinal));
        Assert.Matches(@"^Name\s+Type\s+Output Shape\s+Param #\s+Details$", header);
        Assert.Matches(@"^dense_1\s+Dense\s+\(16,\)\s+80\s+\S", lines.Single(l => l.StartsWith("dense_1", StringComparison.Ordinal)));
        Assert.Matches(@"^dense_2\s+Dense\s+\(3,\)\s+51", lines.Single(l => l.StartsWith("dense_2", StringComparison.Ordinal)));
        Assert.Contains("Total params: 131", text);
        // Param # is right-aligned under its header.
        int end = header.IndexOf("Param #", StringComparison.Ordinal) + "Param #".Length;
        Assert.Equal("80", lines.Single(l => l.StartsWith("dense_1", StringComparison.Ordinal))[(end - 2)..end]);
    }

    [Fact]
    public void A_trained_network_also_shows_epochs_classes_and_features()
    {
        var (train, _) = Records.IrisSplit();
        var n = NetworkBuilder.Create("iris", new[] { 4 }, 0);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
        var cmd = new TrainingCommand(n, new TrainingSettings { Options = new TrainingOptions { Epochs = 2 }, LabelProperty = "Species" });
        foreach (var r in train) cmd.AddRecord(r);
        cmd.Run(new RecordingSink(), CancellationToken.None);
        string text = NetworkSummaryText.Format(n);
        Assert.Contains("2 epochs trained", text);
        Assert.Contains("Classes: setosa, versicolor, virginica", text);
        Assert.Contains("Features: SepalLength, SepalWidth, PetalLength, PetalWidth → Species", text);
    }

    [Fact]
    public void An_empty_network_prints_its_input_row_and_zero_total()
    {
        string text = NetworkSummaryText.Format(NetworkBuilder.Create("e", new[] { 1, 28, 28 }, 0));
        Assert.Contains("(input)", text);
        Assert.Contains("(1, 28, 28)", text);
        Assert.Contains("Total params: 0", text);
    }
}
