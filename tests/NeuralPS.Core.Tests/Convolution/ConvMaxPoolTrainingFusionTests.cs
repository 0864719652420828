using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>In training, a one-channel 3×3 Conv2d and the 2×2 max pool after it, as a network's first layers, run as one
/// forward pass (ConvDirect.ForwardMaxPool2x2Training) and one backward pass (ConvDirect.BackwardFilterMaxPooled). Every
/// value, argmax and gradient must be bit for bit what the layers give one by one, on every vector path (CI runs this suite
/// with AVX-512, AVX2 and 128-bit vectors): ties (flat image regions), NaN and ±∞ included.</summary>
[Collection(ConvSettingsCollection.Name)]
public class ConvMaxPoolTrainingFusionTests
{
    private static Layer L(string type, params (string Key, object Value)[] settings) => SpecLayers.Create(type, settings);

    private static Network Net(int h, int w, string padding, string activation, double alpha = 0, int filters = 6, bool bias = true)
    {
        var n = new Network("fused-training", new Shape(1, h, w), 5);
        var conv = new List<(string, object)> { ("filters", filters), ("kernelSize", new[] { 3, 3 }), ("padding", padding), ("activation", activation), ("useBias", bias) };
        if (alpha != 0) conv.Add(("alpha", alpha));
        n.Add(L("Conv2d", conv.ToArray()));
        n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(L("Flatten"));
        n.Add(L("Dense", ("units", 4)));
        // Non-zero biases, so that flat regions give positive ties as well as zeros.
        var r = new NeuralRandom(9);
        foreach (var p in n.Layers[0].Parameters)
            if (p.Name == "bias") for (int i = 0; i < p.Value.Size; i++) p.Value[i] = (float)(r.NextDouble() - 0.3);
        return n;
    }

    /// <summary>Inputs from {0, ½, 1} in runs: flat regions make equal convolution outputs in a window (ties), so the argmax
    /// order is exercised.</summary>
    private static Tensor Inputs(int rows, int h, int w, int seed)
    {
        var x = new Tensor(new Shape(rows, 1, h, w));
        var r = new NeuralRandom((ulong)seed);
        for (int i = 0; i < x.Size; i++) x.Data[i] = i % 7 < 4 ? (i / 7 % 3) * 0.5f : (float)(r.NextDouble() * 2 - 1);
        return x;
    }

    private sealed record Pass(float[] Pooled, float[] Output, float[][] Gradients);

    private static Pass Run(Network n, Tensor x, bool fused)
    {
        bool before = ConvDirect.FusedPoolTraining;
        ConvDirect.FusedPoolTraining = fused;
        try
        {
            var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
            foreach (var layer in n.Layers) foreach (var p in layer.Parameters) p.Gradient.Fill(123f); // the backward overwrites
            var y = Network.ForwardTraining(n.Layers, x, ctx);
            Assert.Equal(fused, n.Layers[0] is Conv2d c && c.LastOutput is null); // fused: the convolution kept no output
            var pooled = ((MaxPool2d)n.Layers[1]).LastOutput!.ToArray();
            var dy = new Tensor(y.Shape);
            var r = new NeuralRandom(11);
            for (int i = 0; i < dy.Size; i++) dy.Data[i] = (float)(r.NextDouble() * 2 - 1);
            Network.BackwardLayers(n.Layers, dy, n.Layers.Count - 1, 0, ctx, firstNeedsInputGradient: false);
            var grads = n.Layers.SelectMany(l => l.Parameters).Select(p => p.Gradient.ToArray()).ToArray();
            return new Pass(pooled, y.ToArray(), grads);
        }
        finally { ConvDirect.FusedPoolTraining = before; }
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):x8}), got {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):x8})");
    }

    private static bool Fuses(Network n, int rows) =>
        ConvDirect.AppliesPooledTraining(((Conv2d)n.Layers[0]).Geometry.WithBatch(rows), ((MaxPool2d)n.Layers[1]).Geometry.WithBatch(rows));

    [Theory]
    [InlineData(28, 28, "Valid", "ReLU", 0.0, 6, true)]       // the seed CNN's first layer: conv 26×26, pooled 13×13
    [InlineData(20, 40, "Valid", "ReLU", 0.0, 5, true)]       // an odd number of filters (the pair kernel's repeated last filter)
    [InlineData(15, 37, "Valid", "ReLU", 0.0, 6, false)]      // conv 13×35: the pool drops the last row and column; no bias
    [InlineData(12, 34, "Same", "LeakyReLU", 0.1, 6, true)]   // padded input; a slope
    [InlineData(9, 19, "Valid", "LeakyReLU", 0.0, 3, true)]   // narrow: conv 7×17, pooled 3×8 (under one AVX-512 vector)
    [InlineData(40, 70, "Same", "ReLU", 0.0, 2, true)]        // pooled rows of 35: several vectors and a partial one
    public void FusedTrainingStep_EqualsTheLayersOneByOne(int h, int w, string padding, string activation, double alpha, int filters, bool bias)
    {
        const int rows = 5;
        var x = Inputs(rows, h, w, h * w + filters);
        var a = Net(h, w, padding, activation, alpha, filters, bias);
        var b = Net(h, w, padding, activation, alpha, filters, bias);
        Assert.True(Fuses(a, rows));
        var expected = Run(a, x, fused: false);
        var got = Run(b, x, fused: true);
        AssertBitwiseEqual(expected.Pooled, got.Pooled, "pooled");
        AssertBitwiseEqual(expected.Output, got.Output, "output");
        Assert.Equal(expected.Gradients.Length, got.Gradients.Length);
        for (int i = 0; i < expected.Gradients.Length; i++) AssertBitwiseEqual(expected.Gradients[i], got.Gradients[i], $"gradient {i}");
        Assert.Contains(got.Gradients[0], v => v != 0f);
    }

    [Fact]
    public void NaNAndInfinities_GoWhereTheLayersSendThem()
    {
        const int rows = 3;
        var x = Inputs(rows, 28, 28, 2);
        x.Data[1 * 784 + 5 * 28 + 9] = float.NaN;
        x.Data[2 * 784 + 20 * 28 + 3] = float.PositiveInfinity;
        x.Data[2 * 784 + 8 * 28 + 17] = float.NegativeInfinity;
        var expected = Run(Net(28, 28, "Valid", "ReLU"), x, fused: false);
        var got = Run(Net(28, 28, "Valid", "ReLU"), x, fused: true);
        AssertBitwiseEqual(expected.Pooled, got.Pooled, "pooled");
        Assert.Contains(got.Pooled, float.IsNaN);
        for (int i = 0; i < expected.Gradients.Length; i++) AssertBitwiseEqual(expected.Gradients[i], got.Gradients[i], $"gradient {i}");
    }

    [Fact]
    public void AfterAFusedForward_TheLayersOwnBackwardsSaySo()
    {
        var n = Net(28, 28, "Valid", "ReLU");
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var x = Inputs(2, 28, 28, 4);
        Network.ForwardTraining(n.Layers, x, ctx);
        var pool = (MaxPool2d)n.Layers[1];
        var e = Assert.Throws<InvalidOperationException>(() => pool.Backward(new Tensor(new Shape(2, 6, 13, 13)), ctx));
        Assert.Contains("fused", e.Message);
        var e2 = Assert.Throws<InvalidOperationException>(() => n.Layers[0].Backward(new Tensor(new Shape(2, 6, 26, 26)), ctx));
        Assert.Contains("fused", e2.Message);
        // A mismatched gradient is a clear error, not a read past the end.
        Assert.Throws<ShapeMismatchException>(() => pool.TryBackwardConvolution((Conv2d)n.Layers[0], new Tensor(new Shape(1, 6, 13, 13)), ctx, false, out _));
    }

    [Fact]
    public void OnlyTheFirstPairFuses_AndNotOtherActivations()
    {
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var x = Inputs(2, 20, 40, 6);
        var tanh = Net(20, 40, "Valid", "Tanh");
        Assert.False(((MaxPool2d)tanh.Layers[1]).TryForwardFusedTraining((Conv2d)tanh.Layers[0], x, ctx, true, out _));
        var negative = Net(20, 40, "Valid", "LeakyReLU", -0.5);
        Assert.False(((MaxPool2d)negative.Layers[1]).TryForwardFusedTraining((Conv2d)negative.Layers[0], x, ctx, true, out _));
        // Inference never takes the training kernel (it keeps no argmax).
        var relu = Net(20, 40, "Valid", "ReLU");
        Assert.False(((MaxPool2d)relu.Layers[1]).TryForwardFusedTraining((Conv2d)relu.Layers[0], x, LayerContext.Inference(), true, out _));
    }

    [Fact]
    public void FrozenConvolution_KeepsItsGradientUntouched()
    {
        var n = Net(28, 28, "Valid", "ReLU");
        n.Layers[0].Frozen = true;
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        foreach (var p in n.Layers[0].Parameters) p.Gradient.Fill(7f);
        var y = Network.ForwardTraining(n.Layers, Inputs(2, 28, 28, 8), ctx);
        var dy = new Tensor(y.Shape);
        dy.Fill(0.25f);
        Network.BackwardLayers(n.Layers, dy, n.Layers.Count - 1, 0, ctx, firstNeedsInputGradient: false);
        Assert.All(n.Layers[0].Parameters, p => Assert.All(p.Gradient.ToArray(), g => Assert.Equal(7f, g)));
        Assert.Contains(n.Layers[3].Parameters[0].Gradient.ToArray(), g => g != 0f);
    }

    [Fact]
    public void TrainingWithAndWithoutTheFusion_GivesTheSameWeights()
    {
        const int count = 96;
        var x = Inputs(count, 28, 28, 12);
        var labels = Enumerable.Range(0, count).Select(i => i % 4).ToArray();
        var data = new Dataset(x, labels, null, null, "images");
        string Train(bool fused)
        {
            bool before = ConvDirect.FusedPoolTraining;
            ConvDirect.FusedPoolTraining = fused;
            try
            {
                var n = Net(28, 28, "Valid", "ReLU");
                var trainer = new Trainer(n, new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = "Adam", Seed = 3 });
                trainer.Fit(data).ToList();
                var all = n.Layers.SelectMany(l => l.Parameters).SelectMany(p => p.Value.ToArray().Select(BitConverter.SingleToInt32Bits));
                return string.Join(",", all);
            }
            finally { ConvDirect.FusedPoolTraining = before; }
        }
        Assert.Equal(Train(false), Train(true));
    }
}
