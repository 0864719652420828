using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

public class EmbeddingTests
{
    private static Embedding Built(int vocabulary, int dims, int time, int padding = -1)
    {
        var layer = new Embedding(vocabulary, dims, padding, "emb");
        layer.Build(new Shape(time), new NeuralRandom(3));
        return layer;
    }

    [Fact]
    public void Forward_LooksUpRows_AndPaddingGivesZeros()
    {
        var layer = Built(5, 3, 4, padding: 0);
        var ids = Tensor.FromArray(new Shape(2, 4), new float[] { 1, 4, 0, 1, 2, 2, 3, 0 });
        var y = layer.Forward(ids, LayerContext.Inference());
        Assert.Equal(new Shape(2, 4, 3), y.Shape);
        var w = layer.Weight.Value.ToArray();
        for (int r = 0; r < 8; r++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(ids[r] == 0 ? 0f : w[(int)ids[r] * 3 + j], y[r * 3 + j]);
        Assert.All(w.AsSpan(0, 3).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_AndThePaddingRowGetsNone()
    {
        var layer = Built(6, 4, 5, padding: 2);
        var ids = Tensor.FromArray(new Shape(3, 5), new float[] { 0, 1, 2, 3, 3, 5, 5, 2, 2, 4, 1, 0, 0, 3, 2 });
        GradientCheck.Check(layer, ids, new GradientCheck.Options { CheckInput = false });
        Assert.All(layer.Weight.Gradient.ToArray().AsSpan(2 * 4, 4).ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(6f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void BadId_IsRefusedNamingSampleAndPosition(float bad)
    {
        var layer = Built(6, 2, 3);
        var ids = Tensor.FromArray(new Shape(2, 3), new float[] { 0, 1, 2, 3, bad, 5 });
        var ex = Assert.Throws<DataFormatException>(() => layer.Forward(ids, LayerContext.Inference()));
        Assert.Contains("sample 2, position 2", ex.Message);
    }

    [Fact]
    public void Settings_AreValidated_AndTheSpecRoundTrips()
    {
        Assert.Throws<InvalidConfigurationException>(() => new Embedding(0, 3));
        Assert.Throws<InvalidConfigurationException>(() => new Embedding(10, 3, paddingIndex: 10));
        Assert.Throws<InvalidConfigurationException>(() => new Embedding(1 << 20, 1 << 12));
        var spec = new Embedding(100, 8, 0, "tokens").ToSpec();
        var copy = Assert.IsType<Embedding>(LayerRegistry.Create(spec));
        Assert.Equal(("tokens", 100, 8, 0), (copy.Name, copy.VocabularySize, copy.Dimensions, copy.PaddingIndex));
    }

    [Fact]
    public void DenseOverASequence_AppliesTheSameWeightsAtEveryStep()
    {
        var dense = new Dense(3, ActivationKind.Softmax, name: "head");
        dense.Build(new Shape(4, 5), new NeuralRandom(1));
        Assert.Equal(new Shape(4, 3), dense.OutputShape);
        var x = GradientCheck.Random(new Shape(2, 4, 5), 8);
        var y = dense.Forward(x, LayerContext.Inference()).ToArray();
        var single = new Dense(3, ActivationKind.Softmax, name: "one");
        single.Build(new Shape(5), new NeuralRandom(1));
        var yStep = single.Forward(Tensor.FromArray(new Shape(8, 5), x.Span), LayerContext.Inference()).ToArray();
        Assert.Equal(yStep, y);
        GradientCheck.Check(dense, x);
    }
}
