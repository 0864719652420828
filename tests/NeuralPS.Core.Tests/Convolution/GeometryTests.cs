using NeuralPS.Core.Backends;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

public class GeometryTests
{
    [Theory]
    // input, kernel, stride, dilation, pad -> PyTorch's floor((in + 2p − d(k−1) − 1)/s) + 1
    [InlineData(28, 3, 1, 1, 0, 26)]
    [InlineData(28, 3, 2, 1, 1, 14)]
    [InlineData(13, 3, 1, 1, 0, 11)]
    [InlineData(11, 2, 2, 1, 0, 5)]
    [InlineData(10, 3, 1, 2, 2, 10)]
    [InlineData(7, 7, 3, 1, 0, 1)]
    public void ExplicitPadding_OutputSizeFollowsPyTorch(int input, int kernel, int stride, int dilation, int pad, int expected)
    {
        var (before, after, output) = ConvolutionGeometry.ResolveAxis(input, kernel, stride, dilation, PaddingMode.Explicit, pad, "height");
        Assert.Equal(pad, before);
        Assert.Equal(pad, after);
        Assert.Equal(expected, output);
    }

    [Theory]
    // input, kernel, stride, dilation -> TensorFlow 'SAME': out = ceil(in/s), extra padding at the end
    [InlineData(28, 3, 1, 1, 1, 1, 28)]
    [InlineData(28, 4, 1, 1, 1, 2, 28)]   // even kernel: asymmetric, extra at the bottom/right (PyTorch 'same' agrees)
    [InlineData(28, 3, 2, 1, 0, 1, 14)]   // stride 2 on an even size: total 1, all of it after
    [InlineData(27, 3, 2, 1, 1, 1, 14)]
    [InlineData(10, 3, 1, 2, 2, 2, 10)]
    [InlineData(5, 1, 2, 1, 0, 0, 3)]
    public void SamePadding_MatchesTensorFlowAndPyTorch(int input, int kernel, int stride, int dilation, int before, int after, int expected)
    {
        var r = ConvolutionGeometry.ResolveAxis(input, kernel, stride, dilation, PaddingMode.Same, 0, "width");
        Assert.Equal((before, after, expected), r);
    }

    [Fact]
    public void WindowLargerThanPaddedInput_IsRefusedWithBothSizes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => ConvolutionGeometry.Create(1, 3, 4, 4, 8, 5, 5));
        Assert.Contains("5", e.Message);
        Assert.Contains("4", e.Message);
    }

    [Fact]
    public void GroupsMustDivideChannelsAndFilters()
    {
        Assert.Throws<ShapeMismatchException>(() => ConvolutionGeometry.Create(1, 3, 8, 8, 4, 3, 3, groups: 2));
        Assert.Throws<InvalidConfigurationException>(() => ConvolutionGeometry.Create(1, 4, 8, 8, 3, 3, 3, groups: 2));
    }

    [Fact]
    public void Geometry_CountsFlopsAndSizes()
    {
        var g = ConvolutionGeometry.Create(64, 32, 13, 13, 64, 3, 3);
        Assert.Equal(11, g.OutputHeight);
        Assert.Equal(288, g.PatchSize);
        Assert.Equal(2.0 * 64 * 64 * 121 * 288, g.Flops);
        Assert.True(g.IsSymmetric);
        Assert.False(ConvolutionGeometry.Create(1, 1, 8, 8, 1, 2, 2, padding: PaddingMode.Same).IsSymmetric);
    }

    [Fact]
    public void Pooling_ExplicitPaddingOverHalfTheWindowIsRefused()
    {
        Assert.Throws<InvalidConfigurationException>(() => PoolingGeometry.Create(1, 1, 8, 8, 2, 2, 2, 2, PaddingMode.Explicit, 2, 2));
        var g = PoolingGeometry.Create(1, 1, 26, 26, 2, 2, 2, 2);
        Assert.Equal(13, g.OutputHeight);
    }
}
