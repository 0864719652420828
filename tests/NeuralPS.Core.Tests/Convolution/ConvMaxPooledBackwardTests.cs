using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>The backward of a convolution under a max pool, computed only where the pool sent its gradient
/// (ConvMaxPooledBackward): dW, dBias and dx against a float64 direct sum over the dense dz the pool's backward would
/// give, on every vector path (CI runs this suite with AVX-512, AVX2 and 128-bit vectors).
/// Tolerance: each value is a float32 sum of at most a few hundred products in a fixed order, so its error is below
/// n·2⁻²⁴ of the sum of the products' magnitudes; 1e-5 of that sum is stated (n ≤ 160 here).</summary>
[Collection(ConvSettingsCollection.Name)]
public class ConvMaxPooledBackwardTests
{
    private static float[] Random(int n, int seed, double scale = 1, bool relu = false)
    {
        var r = new NeuralRandom((ulong)seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            float v = (float)((r.NextDouble() * 2 - 1) * scale);
            a[i] = relu ? Math.Max(0f, v) : v;
        }
        return a;
    }

    [Theory]
    [InlineData(3, 32, 13, 13, 12, "Valid", 1, 2, 2, "ReLU", 0.0)]      // the seed CNN's conv 2 (fewer filters)
    [InlineData(2, 16, 9, 11, 5, "Same", 1, 2, 2, "LeakyReLU", 0.1)]    // padding, a slope, an odd filter count
    [InlineData(2, 48, 8, 8, 4, "Same", 1, 3, 3, "None", 0.0)]          // 3×3 windows (the 8th row/col not pooled); 48 channels
    [InlineData(2, 16, 12, 12, 3, "Valid", 2, 2, 2, "ReLU", 0.0)]       // a strided convolution
    [InlineData(1, 32, 10, 10, 6, "Same", 1, 2, 3, "ReLU", 0.0)]        // windows 2×3, stride 2×3
    [InlineData(2, 16, 9, 9, 4, "Valid", 1, 2, 2, "ReLU", 0.0, 2, 2)]   // a 2×2 kernel: taps not in rows of three (the stamp path)
    [InlineData(2, 16, 11, 11, 3, "Same", 1, 2, 2, "ReLU", 0.0, 5, 5)]  // 5×5: 25 taps, groups of three across rows
    public void MatchesTheDenseGradientInFloat64(int batch, int channels, int h, int w, int filters, string padding, int stride,
        int pool, int poolWidth, string activation, double alpha, int kh = 3, int kw = 3)
    {
        var mode = Enum.Parse<PaddingMode>(padding);
        var g = ConvolutionGeometry.Create(batch, channels, h, w, filters, kh, kw, stride, stride, mode);
        var act = Enum.Parse<ActivationKind>(activation);
        var p = PoolingGeometry.Create(batch, filters, g.OutputHeight, g.OutputWidth, pool, poolWidth, pool, poolWidth);
        Assert.True(ConvMaxPooledBackward.Applies(g, p));
        var be = CpuBackend.Instance;
        var x = new Tensor(new Shape(batch, channels, h, w), Random(batch * g.InputSize, 1, relu: true));
        // Flat regions: equal values in a window (the argmax's tie order) and exact zeros under ReLU.
        for (int i = 0; i < x.Size; i += 5) x.Data[i] = 0.5f;
        var wt = new Tensor(new Shape(filters, channels, kh, kw), Random(g.WeightSize, 2, 0.3));
        var bias = new Tensor(new Shape(filters), Random(filters, 3, 0.1));
        var y = new Tensor(new Shape(batch, filters, g.OutputHeight, g.OutputWidth));
        be.Conv2dForward(x, wt, bias, y, g, act, (float)alpha);
        var pooled = new Tensor(new Shape(batch, filters, p.OutputHeight, p.OutputWidth));
        var argmax = new int[pooled.Size];
        be.MaxPool2dForward(y, pooled, p, argmax);
        var dy = Random((int)pooled.Size, 4);
        for (int i = 0; i < dy.Length; i += 7) dy[i] = 0f; // exact zeros are skipped

        // The dense dz (the pool's backward through the activation) and the float64 sums over it.
        int ohw = g.OutputPlane;
        var dz = new double[(long)batch * filters * ohw];
        float slope = act == ActivationKind.LeakyReLU ? (float)alpha : 0f;
        for (int o = 0; o < pooled.Size; o++)
        {
            int plane = o / p.OutputPlane;
            float d = 0f + dy[o];
            float m = act == ActivationKind.None || pooled.Data[o] > 0f ? d : slope * d;
            dz[(long)plane * ohw + argmax[o]] = m;
        }
        var dwRef = new double[g.WeightSize];
        var dwAbs = new double[g.WeightSize];
        var dxRef = new double[batch * g.InputSize];
        var dxAbs = new double[batch * g.InputSize];
        var dbRef = new double[filters];
        var dbAbs = new double[filters];
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < filters; k++)
                for (int oy = 0; oy < g.OutputHeight; oy++)
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        double s = dz[((long)n * filters + k) * ohw + oy * g.OutputWidth + ox];
                        if (s == 0) continue;
                        dbRef[k] += s;
                        dbAbs[k] += Math.Abs(s);
                        for (int c = 0; c < channels; c++)
                            for (int i = 0; i < kh; i++)
                                for (int jj = 0; jj < kw; jj++)
                                {
                                    int iy = oy * stride - g.PadTop + i, ix = ox * stride - g.PadLeft + jj;
                                    if ((uint)iy >= (uint)h || (uint)ix >= (uint)w) continue;
                                    int xi = ((n * channels + c) * h + iy) * w + ix, wi = ((k * channels + c) * kh + i) * kw + jj;
                                    dwRef[wi] += s * x.Data[xi];
                                    dwAbs[wi] += Math.Abs(s * x.Data[xi]);
                                    dxRef[xi] += s * wt.Data[wi];
                                    dxAbs[xi] += Math.Abs(s * wt.Data[wi]);
                                }
                    }

        var dw = new float[g.WeightSize];
        var db = new float[filters];
        var dx = new float[batch * g.InputSize];
        Array.Fill(dw, 99f); Array.Fill(db, 99f); Array.Fill(dx, 99f); // every value is written
        unsafe
        {
            fixed (float* px = x.Data, pw = wt.Data, py = pooled.Data, pdy = dy, pdw = dw, pdb = db, pdx = dx)
            fixed (int* pa = argmax)
            {
                ConvMaxPooledBackward.Backward(px, pw, py, pdy, pa, pdw, pdb, pdx, g, p, act != ActivationKind.None, slope);
            }
        }
        AssertClose(dwRef, dwAbs, dw, "dW");
        AssertClose(dbRef, dbAbs, db, "dBias");
        AssertClose(dxRef, dxAbs, dx, "dx");
        Assert.Contains(dx, v => v != 0f);
        Assert.Contains(dw, v => v != 0f);
    }

    private static void AssertClose(double[] expected, double[] magnitude, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * magnitude[i] + 1e-30;
            if (Math.Abs(actual[i] - expected[i]) > tolerance)
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R} ± {tolerance:G3}, got {actual[i]:R}");
        }
    }

    private static Layer L(string type, params (string Key, object Value)[] settings) => SpecLayers.Create(type, settings);

    /// <summary>A network whose second Conv2d (16 channels in) feeds a max pool: Network.BackwardLayers takes the pooled
    /// backward there, and its gradients agree with the dense backward's (Winograd / GEMM: each within its rounding).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NetworkBackward_AgreesWithTheDenseBackward(bool frozen)
    {
        Network Net()
        {
            var n = new Network("pooled", new Shape(3, 14, 14), 5);
            n.Add(L("Conv2d", ("filters", 16), ("kernelSize", new[] { 3, 3 }), ("padding", "Same"), ("activation", "ReLU")));
            n.Add(L("Conv2d", ("filters", 20), ("kernelSize", new[] { 3, 3 }), ("activation", "ReLU")));
            n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
            n.Add(L("Flatten"));
            n.Add(L("Dense", ("units", 5)));
            n.Layers[1].Frozen = frozen;
            return n;
        }
        var x = new Tensor(new Shape(4, 3, 14, 14), Random(4 * 3 * 196, 7));
        float[][] Gradients(bool pooledPath)
        {
            bool before = ConvMaxPooledBackward.Enabled;
            ConvMaxPooledBackward.Enabled = pooledPath;
            try
            {
                var n = Net();
                var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
                foreach (var p in n.Layers.SelectMany(l => l.Parameters)) p.Gradient.Fill(42f);
                var y = Network.ForwardTraining(n.Layers, x, ctx);
                var dy = new Tensor(y.Shape, Random((int)y.Size, 8));
                Network.BackwardLayers(n.Layers, dy, n.Layers.Count - 1, 0, ctx, firstNeedsInputGradient: false);
                return n.Layers.SelectMany(l => l.Parameters).Select(p => p.Gradient.ToArray()).ToArray();
            }
            finally { ConvMaxPooledBackward.Enabled = before; }
        }
        var dense = Gradients(false);
        var pooled = Gradients(true);
        for (int i = 0; i < dense.Length; i++)
        {
            double scale = dense[i].Max(v => Math.Abs(v));
            for (int e = 0; e < dense[i].Length; e++)
                Assert.True(Math.Abs(dense[i][e] - pooled[i][e]) <= 1e-4 * scale, $"parameter {i}[{e}]: dense {dense[i][e]}, pooled {pooled[i][e]}");
        }
        if (frozen) Assert.All(pooled[2], v => Assert.Equal(42f, v)); // the frozen convolution's weight gradient untouched
        Assert.Contains(pooled[0], v => v != 0f && v != 42f);           // the first convolution got its gradient through dx
    }

    /// <summary>In training a Winograd Conv2d and the 2×2 max pool after it run as one forward (ConvWinograd.ForwardMaxPooled:
    /// the output goes straight through the pool, the input is kept channels-last for the pooled backward): the pooled values,
    /// the argmax (through the gradients) and every gradient must be bit for bit those of the two layers one by one with the
    /// pooled backward, first layer or not, padded or not.</summary>
    [Theory]
    [InlineData(16, 13, 13, "Valid", true)]    // conv 11×11: the pool drops the last row and column; the network's first layer
    [InlineData(16, 12, 12, "Same", false)]    // padded (the kept input is copied into the padded layout), after another conv
    [InlineData(32, 15, 15, "Valid", false)]   // the seed CNN's conv 2 shape class
    public void WinogradFusedForward_EqualsTheLayersOneByOne(int channels, int h, int w, string padding, bool first)
    {
        Network Net()
        {
            var n = new Network("winograd-pooled", new Shape(first ? channels : 3, h, w), 5);
            if (!first) n.Add(L("Conv2d", ("filters", channels), ("kernelSize", new[] { 3, 3 }), ("padding", "Same"), ("activation", "ReLU")));
            n.Add(L("Conv2d", ("filters", 24), ("kernelSize", new[] { 3, 3 }), ("padding", padding), ("activation", "ReLU")));
            n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
            n.Add(L("Flatten"));
            n.Add(L("Dense", ("units", 5)));
            return n;
        }
        int rows = 8;
        var x = new Tensor(new Shape(rows, first ? channels : 3, h, w), Random(rows * (first ? channels : 3) * h * w, 9));
        for (int i = 0; i < x.Size; i += 3) x.Data[i] = 0.25f; // flat regions: ties in the windows
        (float[] Pooled, float[] Output, float[][] Gradients, bool Fused) Run(bool fused)
        {
            bool before = ConvWinograd.FusedPool, force = ConvWinograd.Force;
            ConvWinograd.FusedPool = fused;
            ConvWinograd.Force = true; // a small batch: Winograd by the kernel's rules, not the speed rule
            try
            {
                var n = Net();
                int c = first ? 0 : 1;
                var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
                foreach (var p in n.Layers.SelectMany(l => l.Parameters)) p.Gradient.Fill(42f);
                var y = Network.ForwardTraining(n.Layers, x, ctx);
                bool didFuse = ((Conv2d)n.Layers[c]).LastOutput is null;
                var pooled = ((MaxPool2d)n.Layers[c + 1]).LastOutput!.ToArray();
                var dy = new Tensor(y.Shape, Random((int)y.Size, 10));
                Network.BackwardLayers(n.Layers, dy, n.Layers.Count - 1, 0, ctx, firstNeedsInputGradient: false);
                return (pooled, y.ToArray(), n.Layers.SelectMany(l => l.Parameters).Select(p => p.Gradient.ToArray()).ToArray(), didFuse);
            }
            finally
            {
                ConvWinograd.FusedPool = before;
                ConvWinograd.Force = force;
            }
        }
        var expected = Run(false);
        var got = Run(true);
        Assert.False(expected.Fused);
        Assert.True(got.Fused);
        Bitwise(expected.Pooled, got.Pooled, "pooled");
        Bitwise(expected.Output, got.Output, "output");
        for (int i = 0; i < expected.Gradients.Length; i++) Bitwise(expected.Gradients[i], got.Gradients[i], $"gradient {i}");
        Assert.All(got.Gradients, gr => Assert.Contains(gr, v => v != 0f && v != 42f));
    }

    private static void Bitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
