using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Add-Layer SimpleRNN / LSTM / GRU / Embedding behind the cmdlet: the parameters map onto the
/// engine's spec keys, misuse is refused naming the parameter, and a sequence network builds with the
/// shapes a user expects.</summary>
public sealed class SequenceLayerTests
{
    private static LayerSpec Build(string type, LayerParameters p) => LayerSpecBuilder.Build(type, p);
    private static void Add(Network n, string type, LayerParameters p) => NetworkBuilder.AddLayer(n, Build(type, p));

    [Theory]
    [InlineData("lstm", "LSTM")]
    [InlineData("Gru", "GRU")]
    [InlineData("simplernn", "SimpleRNN")]
    public void Recurrent_parameters_map_to_the_spec(string typed, string type)
    {
        var spec = Build(typed, new LayerParameters { Units = 32, ReturnSequences = true, Bidirectional = true, MaskZeroSteps = true, NoBias = true, Name = "enc" });
        Assert.Equal((type, "enc"), (spec.Type, spec.Name));
        Assert.Equal(32L, spec.Settings["units"]);
        Assert.Equal(true, spec.Settings["returnSequences"]);
        Assert.Equal(true, spec.Settings["bidirectional"]);
        Assert.Equal(false, spec.Settings["useBias"]);
        Assert.Equal(true, spec.Settings["maskZeroSteps"]);
        var plain = Build(type, new LayerParameters { Units = 8 });
        Assert.Equal(new[] { "units" }, plain.Settings.Keys);
    }

    [Fact]
    public void Embedding_parameters_map_to_the_spec()
    {
        var spec = Build("embedding", new LayerParameters { VocabularySize = 100, Dimensions = 16, PaddingIndex = 0 });
        Assert.Equal(100L, spec.Settings["vocabularySize"]);
        Assert.Equal(16L, spec.Settings["dimensions"]);
        Assert.Equal(0L, spec.Settings["paddingIndex"]);
    }

    [Fact]
    public void Misuse_is_refused_naming_the_parameter()
    {
        Assert.Contains("-Units", Assert.Throws<InvalidConfigurationException>(() => Build("LSTM", new LayerParameters())).Message);
        Assert.Contains("-ReturnSequences", Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = 2, ReturnSequences = true })).Message);
        Assert.Contains("-Activation", Assert.Throws<InvalidConfigurationException>(() => Build("GRU", new LayerParameters { Units = 2, Activation = "ReLU" })).Message);
        Assert.Contains("-MaskZeroSteps", Assert.Throws<InvalidConfigurationException>(() => Build("Embedding", new LayerParameters { VocabularySize = 10, Dimensions = 2, MaskZeroSteps = true })).Message);
        Assert.Contains("-Dimensions", Assert.Throws<InvalidConfigurationException>(() => Build("Embedding", new LayerParameters { VocabularySize = 10 })).Message);
        Assert.Contains("-PaddingIndex", Assert.Throws<InvalidConfigurationException>(() => Build("Embedding", new LayerParameters { VocabularySize = 10, Dimensions = 2, PaddingIndex = 10 })).Message);
        Assert.Contains("-Units", Assert.Throws<InvalidConfigurationException>(() => Build("LSTM", new LayerParameters { Units = 0 })).Message);
    }

    [Fact]
    public void A_text_classifier_and_a_sequence_to_sequence_head_build_with_the_expected_shapes()
    {
        var n = NetworkBuilder.Create("text", new[] { 20 }, 1);
        Add(n, "Embedding", new LayerParameters { VocabularySize = 30, Dimensions = 8, PaddingIndex = 0 });
        Add(n, "LSTM", new LayerParameters { Units = 16, ReturnSequences = true, Bidirectional = true });
        Add(n, "Dropout", new LayerParameters { Rate = 0.2 });
        Add(n, "GRU", new LayerParameters { Units = 12, ReturnSequences = true });
        Add(n, "Dense", new LayerParameters { Units = 5, Activation = "Softmax" });
        Assert.Equal(
            new[] { new Shape(20, 8), new Shape(20, 32), new Shape(20, 32), new Shape(20, 12), new Shape(20, 5) },
            n.Layers.Select(l => l.OutputShape));
        Assert.Equal(30 * 8 + 2 * (4 * 16 * (8 + 16) + 2 * 4 * 16) + 3 * 12 * (32 + 12) + 2 * 3 * 12 + 5 * 12 + 5, n.ParameterCount);

        var series = NetworkBuilder.Create("series", new[] { 12, 1 }, 1);
        Add(series, "SimpleRNN", new LayerParameters { Units = 4 });
        Add(series, "Dense", new LayerParameters { Units = 1 });
        Assert.Equal(new Shape(1), series.OutputShape);
    }

    [Fact]
    public void A_recurrent_layer_after_a_flat_input_is_refused_naming_the_shape()
    {
        var n = NetworkBuilder.Create("n", new[] { 12 }, 1);
        var e = Assert.Throws<ShapeMismatchException>(() => Add(n, "LSTM", new LayerParameters { Units = 4 }));
        Assert.Contains("(12,)", e.Message);
        Assert.Contains("(time, features)", e.Message);
        Assert.Empty(n.Layers);
    }
}
