using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

public class BatchNormKernelTests
{
    [Theory]
    [InlineData(new[] { 8, 5 })]          // [N, C] after Dense
    [InlineData(new[] { 4, 3, 5, 6 })]    // [N, C, H, W] after Conv2d
    [InlineData(new[] { 1, 2, 3, 3 })]    // batch 1
    public void Training_NormalisesWithBatchStatistics_AndUpdatesRunningStatistics(int[] dims)
    {
        var shape = new Shape(dims);
        int n = dims[0], c = dims[1], s = shape.Size / (n * c);
        var x = GradientCheck.Random(shape, 31, 3f);
        for (int i = 0; i < x.Size; i++) x[i] += 5f; // an offset: the variance must not cancel
        var gamma = GradientCheck.Random(new Shape(c), 32);
        var beta = GradientCheck.Random(new Shape(c), 33);
        var rm = new Tensor(c); rm.Fill(0.5f);
        var rv = new Tensor(c); rv.Fill(2f);
        var y = new Tensor(shape);
        var sm = new Tensor(c); var si = new Tensor(c);
        CpuBackend.Instance.BatchNormForwardTraining(x, gamma, beta, y, rm, rv, sm, si, 0.1f, 1e-5f);

        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0, sq = 0;
            foreach (int i in Indices(n, c, s, ch)) sum += x[i];
            double mean = sum / (n * s);
            foreach (int i in Indices(n, c, s, ch)) sq += (x[i] - mean) * (x[i] - mean);
            double variance = sq / (n * s);
            Assert.Equal(mean, sm[ch], 4);
            Assert.Equal(1 / Math.Sqrt(variance + 1e-5), si[ch], 3);
            foreach (int i in Indices(n, c, s, ch))
                Assert.Equal(gamma[ch] * (x[i] - mean) / Math.Sqrt(variance + 1e-5) + beta[ch], y[i], 4);
            Assert.Equal(0.9 * 0.5 + 0.1 * mean, rm[ch], 5);
            Assert.Equal(0.9 * 2 + 0.1 * variance * (n * s) / (n * s - 1), rv[ch], 4);
        }
    }

    [Fact]
    public void Inference_UsesRunningStatistics()
    {
        var x = GradientCheck.Random(new Shape(2, 3, 2, 2), 34);
        var gamma = Tensor.FromArray(new Shape(3), new[] { 1f, 2f, 0.5f });
        var beta = Tensor.FromArray(new Shape(3), new[] { 0f, 1f, -1f });
        var rm = Tensor.FromArray(new Shape(3), new[] { 0.1f, -0.2f, 0.3f });
        var rv = Tensor.FromArray(new Shape(3), new[] { 4f, 0.25f, 1f });
        var y = new Tensor(x.Shape);
        CpuBackend.Instance.BatchNormForwardInference(x, gamma, beta, rm, rv, y, 1e-5f);
        for (int i = 0; i < x.Size; i++)
        {
            int ch = i / 4 % 3;
            Assert.Equal(gamma[ch] * (x[i] - rm[ch]) / Math.Sqrt(rv[ch] + 1e-5) + beta[ch], y[i], 5);
        }
    }

    [Fact]
    public void ScaleChannels_MultipliesEachPlaneByItsScale()
    {
        var x = GradientCheck.Random(new Shape(2, 3, 4, 5), 35);
        var scale = Tensor.FromArray(new Shape(2, 3), new[] { 0f, 2f, 1f, 2f, 0f, 0f });
        var y = new Tensor(x.Shape);
        CpuBackend.Instance.ScaleChannels(x, scale, y);
        for (int i = 0; i < x.Size; i++) Assert.Equal(x[i] * scale[i / 20], y[i]);
    }

    private static IEnumerable<int> Indices(int n, int c, int s, int ch)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++) yield return (i * c + ch) * s + j;
    }
}
