using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Lock-Layer / Unlock-Layer's selection: by name (through the caller's matcher), by index (negative from
/// the end), every name and index checked before any flag changes; the summary shows frozen layers.</summary>
public sealed class LayerSelectionTests
{
    private static Network Net() => new Network("n", new Shape(4), 1)
        .Add(new Dense(8, ActivationKind.ReLU, name: "conv1")).Add(new Dense(8, ActivationKind.ReLU, name: "conv2")).Add(new Dense(3, name: "head"));

    private static bool Exact(string pattern, string name) => string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void By_name_and_by_index_pick_the_layers_once_each()
    {
        var net = Net();
        Assert.Equal(new[] { "conv1", "head" }, LayerSelection.ByName(net, new[] { "CONV1", "head", "conv1" }, Exact).Select(l => l.Name));
        Assert.Equal(new[] { "head", "conv1" }, LayerSelection.ByIndex(net, new[] { -1, 0, 2 }).Select(l => l.Name));
        Assert.Equal(new[] { "conv1", "conv2" }, LayerSelection.ByName(net, new[] { "conv*" }, (p, n) => n.StartsWith(p.TrimEnd('*'), StringComparison.Ordinal)).Select(l => l.Name));
    }

    [Fact]
    public void An_unknown_name_or_index_names_itself_and_changes_nothing()
    {
        var net = Net();
        var e = Assert.Throws<LayerNotFoundException>(() => LayerSelection.ByName(net, new[] { "conv1", "dense_9" }, Exact));
        Assert.Equal("dense_9", e.Target);
        Assert.Contains("conv1, conv2, head", e.Message);
        var i = Assert.Throws<LayerNotFoundException>(() => LayerSelection.ByIndex(net, new[] { 0, -4 }));
        Assert.Equal(-4, i.Target);
        Assert.All(net.Layers, l => Assert.False(l.Frozen));
        Assert.Equal(Commands.ErrorKind.ObjectNotFound, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void The_summary_marks_frozen_layers_and_counts_trainable_parameters()
    {
        var net = Net();
        Assert.DoesNotContain("Frozen", Formatting.NetworkSummaryText.Format(net));
        LayerSelection.SetFrozen(LayerSelection.ByIndex(net, new[] { 0 }), true);
        string text = Formatting.NetworkSummaryText.Format(net);
        Assert.Contains("Frozen", text);
        Assert.Contains("frozen", text.Split('\n').Single(l => l.StartsWith("conv1", StringComparison.Ordinal)));
        Assert.Contains($"(trainable {net.ParameterCount - 40:N0}, frozen 40)", text);
        Assert.True(net.Summary()[0].Frozen);
    }
}
