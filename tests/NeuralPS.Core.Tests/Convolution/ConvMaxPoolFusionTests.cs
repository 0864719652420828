using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>At inference Network.Forward runs a one-channel 3×3 Conv2d and the 2×2 max pool after it as one pass
/// (ConvDirect.ForwardMaxPool2x2). It must give what the two layers give one after the other, on every vector path
/// (CI runs this suite with AVX-512, AVX2 and 128-bit vectors).</summary>
[Collection(ConvSettingsCollection.Name)]
public class ConvMaxPoolFusionTests
{
    private static Layer L(string type, params (string Key, object Value)[] settings) => SpecLayers.Create(type, settings);

    private static Network Net(int h, int w, string padding, string activation, double alpha = 0)
    {
        var n = new Network("fused", new Shape(1, h, w), 5);
        var conv = new List<(string, object)> { ("filters", 6), ("kernelSize", new[] { 3, 3 }), ("padding", padding), ("activation", activation) };
        if (alpha != 0) conv.Add(("alpha", alpha));
        n.Add(L("Conv2d", conv.ToArray()));
        n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(L("Flatten"));
        n.Add(L("Dense", ("units", 4)));
        return n;
    }

    private static Tensor Inputs(int rows, int h, int w, int seed)
    {
        var x = new Tensor(new Shape(rows, 1, h, w));
        var r = new NeuralRandom((ulong)seed);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)(r.NextDouble() * 2 - 1);
        return x;
    }

    private static (float[] Pooled, float[] Output) LayerByLayer(Network n, Tensor x)
    {
        var ctx = LayerContext.Inference();
        var pooled = n.Layers[1].Forward(n.Layers[0].Forward(x, ctx), ctx);
        var p = pooled.ToArray();
        var y = n.Layers[3].Forward(n.Layers[2].Forward(pooled, ctx), ctx);
        return (p, y.ToArray());
    }

    private static bool Fuses(Network n, int rows)
    {
        var conv = (Conv2d)n.Layers[0];
        var pool = (MaxPool2d)n.Layers[1];
        return ConvDirect.AppliesPooled(conv.Geometry.WithBatch(rows), pool.Geometry.WithBatch(rows));
    }

    [Theory]
    [InlineData(20, 40, "Valid", "ReLU", 0.0)]      // conv 18×38, pooled 9×19: wide enough for every vector width
    [InlineData(15, 37, "Valid", "ReLU", 0.0)]      // conv 13×35: the pool drops the last row and column
    [InlineData(12, 34, "Same", "LeakyReLU", 0.1)]  // padded input; a slope
    [InlineData(20, 40, "Valid", "None", 0.0)]
    [InlineData(28, 28, "Valid", "ReLU", 0.0)]      // the seed CNN's first layer (pooled 13 wide: a partial vector on every path)
    public void FusedInference_EqualsTheTwoLayers(int h, int w, string padding, string activation, double alpha)
    {
        var n = Net(h, w, padding, activation, alpha);
        var x = Inputs(5, h, w, h * w);
        var (pooled, expected) = LayerByLayer(n, x);
        var y = n.Forward(x, LayerContext.Inference()).ToArray();
        Assert.Equal(expected, y);
        // The pooled activations themselves (the pool layer's output after the fused pass):
        var ctx = LayerContext.Inference();
        Assert.True(((MaxPool2d)n.Layers[1]).TryForwardFused((Conv2d)n.Layers[0], x, ctx, out var fused) == Fuses(n, 5));
        if (Fuses(n, 5))
        {
            Assert.Equal(pooled, fused.ToArray());
            // Fused: the convolution kept no output, and says so rather than back-propagating stale values.
            var e = Assert.Throws<InvalidOperationException>(() => n.Layers[0].Backward(new Tensor(new Shape(5, 6, h - (padding == "Same" ? 0 : 2), w - (padding == "Same" ? 0 : 2))), ctx));
            Assert.Contains("fused", e.Message);
        }
    }

    [Fact]
    public void NaN_WinsItsWindow_AsInThePool()
    {
        var n = Net(20, 40, "Valid", "ReLU");
        var x = Inputs(2, 20, 40, 3);
        x.Data[1 * 800 + 7 * 40 + 11] = float.NaN;
        var (pooled, _) = LayerByLayer(n, x);
        Assert.True(((MaxPool2d)n.Layers[1]).TryForwardFused((Conv2d)n.Layers[0], x, LayerContext.Inference(), out var fused) == Fuses(n, 2));
        var got = fused?.ToArray() ?? pooled;
        int nans = 0;
        for (int i = 0; i < pooled.Length; i++)
        {
            Assert.Equal(float.IsNaN(pooled[i]), float.IsNaN(got[i]));
            if (float.IsNaN(got[i])) nans++;
            else Assert.Equal(pooled[i], got[i]);
        }
        Assert.True(nans > 0);
    }

    [Fact]
    public void Training_IsNotFused_AndBackpropagates()
    {
        var n = Net(20, 40, "Valid", "ReLU");
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var y = n.Forward(Inputs(3, 20, 40, 4), ctx);
        var dy = new Tensor(y.Shape);
        dy.Fill(0.5f);
        n.Backward(dy, ctx);
        Assert.Contains(((Conv2d)n.Layers[0]).Parameters.First().Gradient.ToArray(), g => g != 0f);
    }

    [Fact]
    public void ActivationThatDoesNotCommuteWithMax_IsNotFused()
    {
        var n = Net(20, 40, "Valid", "LeakyReLU", -0.5); // a negative slope turns the order of negative values around
        var x = Inputs(2, 20, 40, 6);
        Assert.False(((MaxPool2d)n.Layers[1]).TryForwardFused((Conv2d)n.Layers[0], x, LayerContext.Inference(), out _));
        var (_, expected) = LayerByLayer(n, x);
        Assert.Equal(expected, n.Forward(x, LayerContext.Inference()).ToArray());
    }
}
