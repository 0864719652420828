using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>Pooling kernels against a direct reference written from PyTorch's definitions.</summary>
public class PoolingKernelTests
{
    public static IEnumerable<object[]> Geometries()
    {
        // N, C, H, W, ph, pw, sh, sw, padding, padH, padW
        yield return new object[] { 2, 3, 26, 26, 2, 2, 2, 2, PaddingMode.Valid, 0, 0 };
        yield return new object[] { 1, 2, 11, 11, 2, 2, 2, 2, PaddingMode.Valid, 0, 0 };
        yield return new object[] { 2, 2, 9, 8, 3, 3, 2, 2, PaddingMode.Explicit, 1, 1 };
        yield return new object[] { 3, 1, 7, 10, 3, 2, 1, 2, PaddingMode.Same, 0, 0 };
        yield return new object[] { 2, 4, 8, 8, 2, 2, 2, 2, PaddingMode.Same, 0, 0 };
        yield return new object[] { 1, 2, 7, 7, 2, 2, 2, 2, PaddingMode.Same, 0, 0 };
        yield return new object[] { 3, 5, 40, 37, 2, 2, 2, 2, PaddingMode.Valid, 0, 0 };
        yield return new object[] { 1, 2, 5, 6, 4, 4, 3, 3, PaddingMode.Explicit, 2, 1 };
    }

    private static PoolingGeometry Make(int n, int c, int h, int w, int ph, int pw, int sh, int sw, PaddingMode padding, int padH, int padW) =>
        PoolingGeometry.Create(n, c, h, w, ph, pw, sh, sw, padding, padH, padW);

    /// <summary>Reference: every window, clipped to the image; average divisors as PyTorch.</summary>
    private static (float[] Max, int[] ArgMax, float[] AvgInclude, float[] AvgExclude) Reference(float[] x, PoolingGeometry g)
    {
        int outN = g.Batch * g.Channels * g.OutputPlane;
        var max = new float[outN]; var arg = new int[outN]; var avgI = new float[outN]; var avgE = new float[outN];
        for (int p = 0; p < g.Batch * g.Channels; p++)
            for (int oy = 0; oy < g.OutputHeight; oy++)
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    float best = float.NegativeInfinity; int bi = -1; double sum = 0; int count = 0;
                    int y0 = oy * g.StrideHeight - g.PadTop, x0 = ox * g.StrideWidth - g.PadLeft;
                    for (int i = 0; i < g.WindowHeight; i++)
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iy = y0 + i, ix = x0 + j;
                            if (iy < 0 || ix < 0 || iy >= g.InputHeight || ix >= g.InputWidth) continue;
                            float v = x[p * g.InputPlane + iy * g.InputWidth + ix];
                            if (v > best) { best = v; bi = iy * g.InputWidth + ix; }
                            sum += v; count++;
                        }
                    int o = p * g.OutputPlane + oy * g.OutputWidth + ox;
                    int hEnd = Math.Min(y0 + g.WindowHeight, g.InputHeight + g.PadBottom), wEnd = Math.Min(x0 + g.WindowWidth, g.InputWidth + g.PadRight);
                    max[o] = best; arg[o] = bi;
                    avgI[o] = (float)(sum / ((hEnd - y0) * (wEnd - x0)));
                    avgE[o] = (float)(sum / count);
                }
        return (max, arg, avgI, avgE);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxAndAverage_MatchReference(int n, int c, int h, int w, int ph, int pw, int sh, int sw, PaddingMode padding, int padH, int padW)
    {
        var g = Make(n, c, h, w, ph, pw, sh, sw, padding, padH, padW);
        var x = GradientCheck.Random(new Shape(n, c, h, w), 21);
        var (max, arg, avgI, avgE) = Reference(x.ToArray(), g);
        var y = new Tensor(n, c, g.OutputHeight, g.OutputWidth);
        var argmax = new int[y.Size];
        CpuBackend.Instance.MaxPool2dForward(x, y, g, argmax);
        Assert.Equal(max, y.ToArray());
        Assert.Equal(arg, argmax);
        // Without an argmax (inference): the same maxima.
        y.Fill(float.NaN);
        CpuBackend.Instance.MaxPool2dForward(x, y, g);
        Assert.Equal(max, y.ToArray());
        CpuBackend.Instance.AvgPool2dForward(x, y, g, countIncludePad: true);
        for (int i = 0; i < y.Size; i++) Assert.Equal(avgI[i], y[i], 5);
        CpuBackend.Instance.AvgPool2dForward(x, y, g, countIncludePad: false);
        for (int i = 0; i < y.Size; i++) Assert.Equal(avgE[i], y[i], 5);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxBackward_RoutesGradientToTheArgmax_WithOrWithoutCachedIndices(int n, int c, int h, int w, int ph, int pw, int sh, int sw, PaddingMode padding, int padH, int padW)
    {
        var g = Make(n, c, h, w, ph, pw, sh, sw, padding, padH, padW);
        var x = GradientCheck.Random(new Shape(n, c, h, w), 22);
        var (_, arg, _, _) = Reference(x.ToArray(), g);
        var dy = GradientCheck.Random(new Shape(n, c, g.OutputHeight, g.OutputWidth), 23);
        var expected = new float[x.Size];
        for (int o = 0; o < dy.Size; o++) expected[o / g.OutputPlane * g.InputPlane + arg[o]] += dy[o];
        var y = new Tensor(dy.Shape);
        var argmax = new int[y.Size];
        CpuBackend.Instance.MaxPool2dForward(x, y, g, argmax);
        var dx = new Tensor(x.Shape);
        dx.Fill(float.NaN);
        CpuBackend.Instance.MaxPool2dBackward(x, dy, dx, g, argmax);
        Assert.Equal(expected, dx.ToArray());
        dx.Fill(float.NaN);
        CpuBackend.Instance.MaxPool2dBackward(x, dy, dx, g);
        Assert.Equal(expected, dx.ToArray());
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AvgBackward_IsTheAdjointOfAvgForward(int n, int c, int h, int w, int ph, int pw, int sh, int sw, PaddingMode padding, int padH, int padW)
    {
        var g = Make(n, c, h, w, ph, pw, sh, sw, padding, padH, padW);
        var x = GradientCheck.Random(new Shape(n, c, h, w), 24);
        var dy = GradientCheck.Random(new Shape(n, c, g.OutputHeight, g.OutputWidth), 25);
        foreach (bool include in new[] { true, false })
        {
            var y = new Tensor(dy.Shape);
            var dx = new Tensor(x.Shape);
            CpuBackend.Instance.AvgPool2dForward(x, y, g, include);
            CpuBackend.Instance.AvgPool2dBackward(dy, dx, g, include);
            double a = 0, b = 0;
            for (int i = 0; i < y.Size; i++) a += (double)y[i] * dy[i];
            for (int i = 0; i < x.Size; i++) b += (double)x[i] * dx[i];
            Assert.Equal(a, b, 4);
        }
    }

    [Fact]
    public void MaxPool_PropagatesNaN_AndPicksTheFirstOfEqualValues()
    {
        var g = PoolingGeometry.Create(1, 1, 4, 36, 2, 2, 2, 2);
        var x = new Tensor(1, 1, 4, 36);
        x.Fill(1f);
        x[2 * 36 + 5] = float.NaN;   // window (1, 2)
        var y = new Tensor(1, 1, 2, 18);
        var argmax = new int[36];
        CpuBackend.Instance.MaxPool2dForward(x, y, g, argmax);
        Assert.True(float.IsNaN(y[18 + 2]));
        Assert.Equal(2 * 36 + 5, argmax[18 + 2]);
        Assert.Equal(1f, y[0]);
        Assert.Equal(0, argmax[0]);          // all four equal: the first wins
        Assert.Equal(2 * 17, argmax[17]);
        var noIndex = new Tensor(1, 1, 2, 18);
        CpuBackend.Instance.MaxPool2dForward(x, noIndex, g);
        Assert.True(float.IsNaN(noIndex[18 + 2]));
        for (int i = 0; i < 36; i++) if (i != 18 + 2) Assert.Equal(1f, noIndex[i]);
    }

    [Fact]
    public void MaxPoolLayer_BackwardAfterAnInferenceForward_FindsTheMaximaAgain()
    {
        // Inference keeps no argmax; a backward after it (e.g. an input-gradient map of a trained model) must
        // still route each gradient to its window's maximum, as after a training forward.
        NeuralPS.Core.Layers.MaxPool2d Built()
        {
            var layer = new NeuralPS.Core.Layers.MaxPool2d(2);
            layer.Build(new Shape(3, 10, 11), new NeuralRandom(1));
            return layer;
        }
        var earlier = GradientCheck.Random(new Shape(2, 3, 10, 11), 30);
        var x = GradientCheck.Random(new Shape(2, 3, 10, 11), 31);
        var dy = GradientCheck.Random(new Shape(2, 3, 5, 5), 32);
        var training = new NeuralPS.Core.Layers.LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var reference = Built();
        var yTrain = reference.Forward(x, training).ToArray();
        var dxTrain = reference.Backward(dy, training)!.ToArray();
        // The layer under test trained on other data first, so a stale argmax would route to the wrong elements.
        var layer = Built();
        layer.Forward(earlier, training);
        var inference = NeuralPS.Core.Layers.LayerContext.Inference();
        Assert.Equal(yTrain, layer.Forward(x, inference).ToArray());
        Assert.Equal(dxTrain, layer.Backward(dy, inference)!.ToArray());
    }

    [Fact]
    public void GlobalAverage_IsThePlaneMean_AndSpreadsTheGradientEvenly()
    {
        var x = GradientCheck.Random(new Shape(3, 4, 5, 7), 26);
        var y = new Tensor(3, 4);
        CpuBackend.Instance.GlobalAvgPool2dForward(x, y);
        for (int p = 0; p < 12; p++)
        {
            double s = 0;
            for (int i = 0; i < 35; i++) s += x[p * 35 + i];
            Assert.Equal(s / 35, y[p], 5);
        }
        var dx = new Tensor(x.Shape);
        CpuBackend.Instance.GlobalAvgPool2dBackward(y, dx);
        for (int i = 0; i < dx.Size; i++) Assert.Equal(y[i / 35] / 35f, dx[i], 6);
    }
}
