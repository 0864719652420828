using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>Finite-difference gradient checks (float64 objective) of every convolutional layer on small
/// random shapes: stride 2, padding (explicit and asymmetric 'Same'), odd sizes, batch 1, dilation, groups.</summary>
public class ConvLayerGradientTests
{
    private static T Built<T>(T layer, Shape input, ulong seed = 7) where T : Layer
    {
        layer.Name = layer.Type.ToLowerInvariant() + "_test";
        layer.Build(input, new NeuralRandom(seed));
        return layer;
    }

    /// <summary>Distinct values (a shuffled ramp): no two elements of a pooling window are within the
    /// finite-difference step of each other, so the argmax never flips during the check.</summary>
    private static Tensor DistinctInput(Shape shape, ulong seed)
    {
        var t = new Tensor(shape);
        var order = Enumerable.Range(0, t.Size).ToArray();
        new NeuralRandom(seed).Shuffle(order);
        for (int i = 0; i < t.Size; i++) t[i] = (order[i] - t.Size / 2) * 0.01f;
        return t;
    }

    public static IEnumerable<object[]> ConvCases()
    {
        // batch, C, H, W, filters, kernel[], stride[], padding, paddingSize[], dilation[], groups, activation, useBias
        yield return new object[] { 2, 3, 7, 7, 4, new[] { 3 }, new[] { 1 }, PaddingMode.Valid, new[] { 0 }, new[] { 1 }, 1, ActivationKind.None, true };
        yield return new object[] { 1, 2, 9, 8, 3, new[] { 3 }, new[] { 2 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 1, ActivationKind.Tanh, true };
        yield return new object[] { 2, 2, 6, 7, 3, new[] { 2, 3 }, new[] { 2, 1 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 1, ActivationKind.None, false };
        yield return new object[] { 1, 3, 8, 9, 2, new[] { 3, 2 }, new[] { 1, 2 }, PaddingMode.Explicit, new[] { 1, 2 }, new[] { 1 }, 1, ActivationKind.GELU, true };
        yield return new object[] { 2, 2, 9, 9, 2, new[] { 3 }, new[] { 1 }, PaddingMode.Explicit, new[] { 2 }, new[] { 2 }, 1, ActivationKind.Sigmoid, true };
        yield return new object[] { 2, 4, 5, 5, 6, new[] { 3 }, new[] { 1 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 2, ActivationKind.LeakyReLU, true };
        yield return new object[] { 1, 4, 7, 6, 4, new[] { 3 }, new[] { 2 }, PaddingMode.Explicit, new[] { 1 }, new[] { 1 }, 4, ActivationKind.None, true };
        yield return new object[] { 3, 1, 8, 8, 4, new[] { 3 }, new[] { 1 }, PaddingMode.Valid, new[] { 0 }, new[] { 1 }, 1, ActivationKind.ReLU, true };
        // one input channel, rows of ≥ 16 outputs: the direct kernel
        yield return new object[] { 2, 1, 6, 18, 5, new[] { 3 }, new[] { 1 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 1, ActivationKind.Tanh, true };
        // output planes above 64 pixels: the classic layout's fused backward, with groups
        yield return new object[] { 2, 4, 10, 9, 4, new[] { 3 }, new[] { 1 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 2, ActivationKind.LeakyReLU, true };
        yield return new object[] { 1, 3, 9, 10, 5, new[] { 3 }, new[] { 1 }, PaddingMode.Same, new[] { 0 }, new[] { 1 }, 1, ActivationKind.Sigmoid, true };
        // enough images to split the batch over threads
        yield return new object[] { 6, 2, 5, 5, 3, new[] { 3 }, new[] { 1 }, PaddingMode.Explicit, new[] { 1 }, new[] { 1 }, 1, ActivationKind.None, true };
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_PassesGradientCheck(int batch, int c, int h, int w, int filters, int[] kernel, int[] stride, PaddingMode padding,
        int[] paddingSize, int[] dilation, int groups, ActivationKind activation, bool useBias)
    {
        var layer = Built(new Conv2d(filters, kernel, stride, padding, padding == PaddingMode.Explicit ? paddingSize : null, dilation, groups, useBias, activation),
            new Shape(c, h, w));
        // A non-zero bias moves ReLU's kink away from where the random pre-activations cluster.
        if (useBias) for (int i = 0; i < filters; i++) layer.Parameters[1].Value[i] = 0.05f * (i + 1);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(batch, c, h, w), 41));
    }

    [Theory]
    [InlineData(2, 3, 8, 8, 2, 2, PaddingMode.Valid, 0)]
    [InlineData(1, 2, 7, 9, 3, 2, PaddingMode.Explicit, 1)]
    [InlineData(2, 2, 7, 7, 2, 2, PaddingMode.Same, 0)]
    [InlineData(1, 1, 5, 5, 3, 1, PaddingMode.Valid, 0)]
    public void MaxPool2d_PassesGradientCheck(int batch, int c, int h, int w, int pool, int stride, PaddingMode padding, int pad)
    {
        var layer = Built(new MaxPool2d(new[] { pool }, new[] { stride }, padding, padding == PaddingMode.Explicit ? new[] { pad } : null), new Shape(c, h, w));
        GradientCheck.Check(layer, DistinctInput(new Shape(batch, c, h, w), 42));
    }

    [Theory]
    [InlineData(2, 3, 8, 8, 2, 2, PaddingMode.Valid, 0, true)]
    [InlineData(1, 2, 7, 9, 3, 2, PaddingMode.Explicit, 1, true)]
    [InlineData(1, 2, 7, 9, 3, 2, PaddingMode.Explicit, 1, false)]
    [InlineData(2, 2, 7, 6, 2, 2, PaddingMode.Same, 0, false)]
    public void AvgPool2d_PassesGradientCheck(int batch, int c, int h, int w, int pool, int stride, PaddingMode padding, int pad, bool countIncludePad)
    {
        var layer = Built(new AvgPool2d(new[] { pool }, new[] { stride }, padding, padding == PaddingMode.Explicit ? new[] { pad } : null, countIncludePad),
            new Shape(c, h, w));
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(batch, c, h, w), 43));
    }

    [Fact]
    public void GlobalAvgPool2d_PassesGradientCheck()
    {
        var layer = Built(new GlobalAvgPool2d(), new Shape(3, 5, 4));
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(2, 3, 5, 4), 44));
    }

    [Theory]
    [InlineData(new[] { 6 }, 8)]
    [InlineData(new[] { 3, 4, 5 }, 2)]
    [InlineData(new[] { 2, 3, 3 }, 1)]
    public void BatchNorm_PassesGradientCheck(int[] inputShape, int batch)
    {
        var shape = new Shape(inputShape);
        var layer = Built(new BatchNorm(), shape);
        var gamma = layer.Parameters[0].Value;
        var beta = layer.Parameters[1].Value;
        for (int i = 0; i < gamma.Size; i++) { gamma[i] = 0.5f + 0.25f * i; beta[i] = 0.1f * i; }
        GradientCheck.Check(layer, GradientCheck.Random(shape.WithBatch(batch), 45, 2f));
    }

    [Fact]
    public void Dropout2d_PassesGradientCheck_AndDropsWholeChannels()
    {
        var layer = Built(new Dropout2d(0.5), new Shape(6, 3, 3));
        var x = GradientCheck.Random(new Shape(4, 6, 3, 3), 46);
        GradientCheck.Check(layer, x);
        var y = layer.Forward(x, new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(3)));
        int dropped = 0;
        for (int p = 0; p < 24; p++)
        {
            bool zero = Math.Abs(y[p * 9]) == 0f;
            if (zero) dropped++;
            for (int i = 0; i < 9; i++)
                Assert.Equal(zero ? 0f : x[p * 9 + i] * 2f, y[p * 9 + i], 6);
        }
        Assert.InRange(dropped, 1, 23);
        Assert.Same(x, layer.Forward(x, LayerContext.Inference()));
    }

    [Fact]
    public void Residual_WithIdentitySkip_PassesGradientCheck()
    {
        var layer = Built(new Residual(new Layer[]
        {
            new Conv2d(4, new[] { 3 }, padding: PaddingMode.Same, activation: ActivationKind.Tanh),
            new Conv2d(4, new[] { 3 }, padding: PaddingMode.Same),
        }, ActivationKind.Tanh), new Shape(4, 5, 5));
        Assert.Null(layer.Projection);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(2, 4, 5, 5), 47));
    }

    [Fact]
    public void Residual_WithStridedProjectionAndBatchNorm_PassesGradientCheck()
    {
        var layer = Built(new Residual(new Layer[]
        {
            new Conv2d(6, new[] { 3 }, new[] { 2 }, PaddingMode.Same, activation: ActivationKind.GELU),
            new BatchNorm(),
            new Conv2d(6, new[] { 3 }, padding: PaddingMode.Same),
        }), new Shape(3, 7, 7));
        Assert.Equal(new Shape(6, 4, 4), layer.OutputShape);
        var projection = Assert.IsType<Conv2d>(layer.Projection);
        Assert.Equal(new[] { 2, 2 }, projection.Stride);
        Assert.Equal(new[] { 1, 1 }, projection.KernelSize);
        // inner conv (w, b), bn (gamma, beta), conv (w, b), projection (w, b)
        Assert.Equal(8, layer.Parameters.Count);
        Assert.Equal(2, layer.Buffers.Count);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(2, 3, 7, 7), 48));
    }

    [Fact]
    public void Residual_OverFeatures_UsesADenseProjection()
    {
        if (!LayerRegistry.IsKnown("Dense"))
        {
            // Until the engine's Dense layer is registered, the block says what is missing.
            var e = Assert.Throws<InvalidConfigurationException>(() => Built(new Residual(new Layer[] { new ShrinkStub() }), new Shape(5)));
            Assert.Contains("Dense", e.Message);
            return;
        }
        var dense = LayerRegistry.Create(new LayerSpec("Dense", "inner").Set("units", 3).Set("activation", "Tanh"));
        var layer = Built(new Residual(new[] { dense }), new Shape(5));
        Assert.NotNull(layer.Projection);
        Assert.Equal("Dense", layer.Projection!.Type);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(3, 5), 49));
    }

    /// <summary>A shape-changing layer for [features] inputs that does not need the engine's Dense layer.</summary>
    private sealed class ShrinkStub : Layer
    {
        public ShrinkStub() : base(null) { }
        public override string Type => "Stub";
        protected override Shape Configure(Shape inputShape) => new(inputShape[0] - 1);
        public override Tensor Forward(Tensor input, LayerContext context) => throw new NotSupportedException();
        public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) => throw new NotSupportedException();
        public override LayerSpec ToSpec() => new(Type, Name);
    }
}
