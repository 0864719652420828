using NeuralPS.Core;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests;

public class ShapeTests
{
    [Fact]
    public void WithBatch_PrependsBatchDimension()
    {
        var s = new Shape(1, 28, 28).WithBatch(64);
        Assert.Equal(new[] { 64, 1, 28, 28 }, s.ToArray());
        Assert.Equal(64 * 784, s.Size);
        Assert.Equal(new Shape(1, 28, 28), s.WithoutBatch());
    }

    [Fact]
    public void NegativeDimension_IsRefused()
    {
        Assert.Throws<InvalidConfigurationException>(() => new Shape(3, -1));
    }

    [Fact]
    public void ToString_LooksLikePython() => Assert.Equal("(784,)", new Shape(784).ToString());
}
