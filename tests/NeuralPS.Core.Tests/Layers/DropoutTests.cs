using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

public class DropoutTests
{
    private static Dropout Built(double rate, Shape shape)
    {
        var layer = new Dropout(rate);
        layer.Build(shape, new NeuralRandom(1));
        return layer;
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_WithTheSameMask()
    {
        // The check re-creates the context from one seed for every forward, so each sees the same mask.
        GradientCheck.Check(Built(0.4, new Shape(10)), GradientCheck.Random(new Shape(4, 10), 3));
    }

    [Fact]
    public void Training_DropsAboutRateAndScalesSurvivorsByInverseKeep()
    {
        var layer = Built(0.3, new Shape(1000));
        var x = new Tensor(new Shape(20, 1000));
        x.Fill(1f);
        var y = layer.Forward(x, new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(5)));
        int zeros = 0;
        foreach (float v in y.Span)
        {
            if (v == 0f) zeros++;
            else Assert.Equal(1f / 0.7f, v, 6);
        }
        // 20,000 Bernoulli(0.3) draws: standard deviation ≈ 65, so ±500 is > 7σ.
        Assert.InRange(zeros, 6000 - 500, 6000 + 500);
    }

    [Fact]
    public void Inference_IsTheIdentity()
    {
        var layer = Built(0.5, new Shape(8));
        var x = GradientCheck.Random(new Shape(3, 8), 9);
        var y = layer.Forward(x, LayerContext.Inference());
        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void SameStream_GivesTheSameMask()
    {
        var layer = Built(0.5, new Shape(64));
        var x = GradientCheck.Random(new Shape(2, 64), 9);
        var a = layer.Forward(x, new LayerContext(CpuBackend.Instance, true, new NeuralRandom(77))).ToArray();
        var b = layer.Forward(x, new LayerContext(CpuBackend.Instance, true, new NeuralRandom(77))).ToArray();
        var c = layer.Forward(x, new LayerContext(CpuBackend.Instance, true, new NeuralRandom(78))).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(0.3, 1001)]
    [InlineData(0.5, 64)]
    [InlineData(0.999, 300)]
    [InlineData(1e-9, 300)]
    [InlineData(0.5, 8193)]   // the chained, fused mask and product
    [InlineData(0.3, 102400)] // the seed CNN's first Dropout at batch 64: parts on the thread team
    public void Mask_IsTheOneDrawPerElementStream_AndLeavesTheGeneratorWhereThoseDrawsWould(double rate, int count)
    {
        // The backend's mask loop keeps the generator in locals; it must stay the very stream of NextUInt64
        // (checkpoints store the generator state, and seeded runs must not change with the loop).
        var x = new Tensor(new Shape(1, count));
        x.Fill(2f);
        var mask = new Tensor(new Shape(1, count));
        var y = new Tensor(new Shape(1, count));
        var fast = new NeuralRandom(11);
        var slow = new NeuralRandom(11);
        fast.NextUInt64(); slow.NextUInt64();
        CpuBackend.Instance.DropoutForward(x, mask, y, (float)rate, fast);
        uint threshold = (uint)Math.Round((float)rate * (1 << 24));
        float keep = 1f / (1f - (float)rate);
        for (int i = 0; i < count; i++)
        {
            float expected = (uint)(slow.NextUInt64() >> 40) < threshold ? 0f : keep;
            Assert.Equal(expected, mask.Span[i]);
            Assert.Equal(2f * expected, y.Span[i]);
        }
        Assert.Equal(slow.NextUInt64(), fast.NextUInt64());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void RateOutsideZeroToOne_IsRefused(double rate) =>
        Assert.Throws<InvalidConfigurationException>(() => new Dropout(rate));

    [Fact]
    public void Spec_RoundTrips()
    {
        var copy = Assert.IsType<Dropout>(LayerRegistry.Create(new Dropout(0.25, "drop").ToSpec()));
        Assert.Equal((0.25, "drop"), (copy.Rate, copy.Name));
    }
}
