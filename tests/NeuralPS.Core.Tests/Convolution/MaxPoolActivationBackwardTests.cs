using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>In training, a MaxPool2d after a Conv2d applies the convolution's act′ in its own backward
/// (Network.BackwardLayers → MaxPool2d.TryBackwardThroughActivation → Conv2d.BackwardFromPreActivation). Every
/// gradient must be bit for bit what the layers' own Backward calls give one after the other, including the sign
/// of zeros and NaN/∞ in the incoming gradient, on every vector path (CI runs this suite on all three).</summary>
[Collection(ConvSettingsCollection.Name)]
public class MaxPoolActivationBackwardTests
{
    private static Layer L(string type, params (string Key, object Value)[] settings) => SpecLayers.Create(type, settings);

    /// <summary>conv1 (1→4) [+ pool] → conv2 (4→6, activation under test) → pool under test → Flatten → Dense 3.
    /// conv2 is mid-network (it needs its input gradient); with <paramref name="first"/> the pair is at the front.</summary>
    private static Network Net(string activation, double alpha, int[] pool, int[]? stride, bool first)
    {
        var n = new Network("pair", new Shape(first ? 4 : 1, 14, 14), 3);
        if (!first) n.Add(L("Conv2d", ("filters", 4), ("kernelSize", new[] { 3, 3 }), ("padding", "Same"), ("activation", "Tanh")));
        var conv = new List<(string, object)> { ("filters", 6), ("kernelSize", new[] { 3, 3 }), ("activation", activation) };
        if (alpha != 0) conv.Add(("alpha", alpha));
        n.Add(L("Conv2d", conv.ToArray()));
        var p = new List<(string, object)> { ("poolSize", pool) };
        if (stride is not null) p.Add(("stride", stride));
        n.Add(L("MaxPool2d", p.ToArray()));
        n.Add(L("Flatten"));
        n.Add(L("Dense", ("units", 3)));
        return n;
    }

    private static float[][] Gradients(Network n, Tensor x, Tensor dy, bool fused)
    {
        foreach (var p in n.Parameters) p.Gradient.Clear();
        var ctx = new LayerContext(CpuBackend.Instance, training: true);
        n.Forward(x, ctx);
        if (fused) n.Backward(dy, ctx);
        else
        {
            Tensor? g = dy;
            for (int i = n.Layers.Count - 1; i >= 0; i--) g = n.Layers[i].Backward(g!, ctx, needInputGradient: i > 0);
        }
        return n.Parameters.Select(p => p.Gradient.ToArray()).ToArray();
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (bool first in new[] { false, true })
        {
            yield return new object[] { "ReLU", 0.0, new[] { 2, 2 }, null!, first };
            yield return new object[] { "LeakyReLU", 0.1, new[] { 2, 2 }, null!, first };
            yield return new object[] { "LeakyReLU", 0.0, new[] { 3, 3 }, null!, first };
            yield return new object[] { "None", 0.0, new[] { 2, 2 }, null!, first };
            yield return new object[] { "ReLU", 0.0, new[] { 3, 3 }, new[] { 2, 2 }, first };      // overlapping windows: two passes
            yield return new object[] { "LeakyReLU", 0.2, new[] { 3, 3 }, new[] { 2, 2 }, first };
            yield return new object[] { "Sigmoid", 0.0, new[] { 2, 2 }, null!, first };            // act′ not fusable: plain backward
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_EqualTheLayersOneByOne(string activation, double alpha, int[] pool, int[]? stride, bool first)
    {
        var n = Net(activation, alpha, pool, stride, first);
        var x = new Tensor(new Shape(5, first ? 4 : 1, 14, 14));
        var r = new NeuralRandom(11);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)(r.NextDouble() * 2 - 1);
        var dy = new Tensor(new Shape(5, 3));
        for (int i = 0; i < dy.Size; i++) dy.Data[i] = (float)(r.NextDouble() * 2 - 1);
        var expected = Gradients(n, x, dy, fused: false);
        var got = Gradients(n, x, dy, fused: true);
        Assert.Equal(expected.Length, got.Length);
        for (int p = 0; p < expected.Length; p++)
            for (int i = 0; i < expected[p].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[p][i]) == BitConverter.SingleToInt32Bits(got[p][i]),
                    $"parameter {p} [{i}]: {expected[p][i]:G9} layer by layer, {got[p][i]:G9} fused");
    }

    /// <summary>The pool's own output gradient with negative values, zeros of both signs, NaN and ±∞ (as a diverging
    /// run has): the masked values, −0 from slope·(negative) included, must match the two-pass result bit for bit.</summary>
    [Theory]
    [InlineData("ReLU", 0.0)]
    [InlineData("LeakyReLU", 0.25)]
    public void SpecialGradientValues_GiveTheSameBits(string activation, double alpha)
    {
        var conv = new List<(string, object)> { ("filters", 3), ("kernelSize", new[] { 3, 3 }), ("activation", activation) };
        if (alpha != 0) conv.Add(("alpha", alpha));
        var n = new Network("pair", new Shape(2, 10, 10), 4).Add(L("Conv2d", conv.ToArray()));
        n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        var x = new Tensor(new Shape(3, 2, 10, 10));
        var r = new NeuralRandom(2);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)(r.NextDouble() * 2 - 1);
        var special = new[] { -1.5f, 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 2.5f, -1e-40f };
        var dy = new Tensor(new Shape(3, 3, 4, 4));
        for (int i = 0; i < dy.Size; i++) dy.Data[i] = special[i % special.Length];

        float[] Run(bool fused)
        {
            foreach (var p in n.Parameters) p.Gradient.Clear();
            var ctx = new LayerContext(CpuBackend.Instance, training: true);
            n.Forward(x, ctx);
            Tensor? g = fused
                ? Network.BackwardLayers(n.Layers, dy, 1, 0, ctx, firstNeedsInputGradient: true)
                : n.Layers[0].Backward(n.Layers[1].Backward(dy, ctx)!, ctx, needInputGradient: true);
            return g!.ToArray().Concat(n.Parameters.SelectMany(p => p.Gradient.ToArray())).ToArray();
        }
        var expected = Run(false);
        var got = Run(true);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(expected, float.IsNaN); // the special values did reach the gradients
    }

    /// <summary>The backend call itself against its two-call definition, with and without the argmax, so the masked
    /// gradient (not only what a convolution sums from it) is compared: zeros of both signs, NaN, ±∞, subnormals.</summary>
    [Theory]
    [InlineData("ReLU", 0f, 2, 2, true)]
    [InlineData("ReLU", 0f, 2, 2, false)]
    [InlineData("LeakyReLU", 0.3f, 2, 2, true)]
    [InlineData("LeakyReLU", 0.3f, 3, 3, false)]
    [InlineData("LeakyReLU", 0.3f, 3, 2, true)]   // overlapping windows: the backend takes the two passes
    public void BackendCall_EqualsPoolBackwardThenActivationBackward(string activation, float alpha, int window, int stride, bool withArgmax)
    {
        var act = Enum.Parse<ActivationKind>(activation);
        var g = PoolingGeometry.Create(3, 2, 9, 9, window, window, stride, stride);
        var x = new Tensor(new Shape(3, 2, 9, 9));
        var r = new NeuralRandom(8);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)(r.NextDouble() * 2 - 1);
        x.Data[5] = float.NaN;
        x.Data[40] = -0f;
        var y = new Tensor(new Shape(3, 2, g.OutputHeight, g.OutputWidth));
        var argmax = withArgmax ? new int[y.Size] : null;
        var cpu = CpuBackend.Instance;
        cpu.MaxPool2dForward(x, y, g, argmax);
        var special = new[] { -1.5f, 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 2.5f, -1e-40f, 3e-41f };
        var dy = new Tensor(y.Shape);
        for (int i = 0; i < dy.Size; i++) dy.Data[i] = special[i % special.Length];
        var expected = new Tensor(x.Shape);
        cpu.MaxPool2dBackward(x, dy, expected, g, argmax);
        cpu.ActivationBackward(null, x, expected, expected, act, alpha);
        var got = new Tensor(x.Shape);
        got.Data.AsSpan().Fill(123f); // the call overwrites every element
        cpu.MaxPool2dBackwardThroughActivation(x, y, dy, got, g, argmax, act, alpha);
        Assert.Equal(expected.ToArray().Select(BitConverter.SingleToInt32Bits), got.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ThePoolMasksOnlyForTheConvolutionWhoseOutputItPooled()
    {
        var n = Net("ReLU", 0, new[] { 2, 2 }, null, first: false);
        var ctx = new LayerContext(CpuBackend.Instance, training: true);
        var x = new Tensor(new Shape(2, 1, 14, 14));
        n.Forward(x, ctx);
        var conv = (Conv2d)n.Layers[0];
        var pool = (MaxPool2d)n.Layers[2];
        // conv 0's output is not the pool's input (conv 1's is): no fusion.
        Assert.False(pool.TryBackwardThroughActivation(conv, new Tensor(pool.OutputShape.WithBatch(2)), ctx, out _));
        Assert.True(pool.TryBackwardThroughActivation((Conv2d)n.Layers[1], new Tensor(pool.OutputShape.WithBatch(2)), ctx, out _));
    }
}
