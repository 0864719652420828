using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>The im2col+SGEMM convolution against the naive direct convolution (float64 accumulation) on
/// random geometries. Tolerance: float32 sums of P = C/G·kh·kw products of values in [-1, 1]; the
/// error of a float32 dot product grows like √P·2⁻²⁴·Σ|terms|, so |fast − naive| ≤ 1e-4·(1 + Σ|terms|)
/// is loose enough for any P here and tight enough to catch a wrong index (errors of order 1).</summary>
[Collection(ConvSettingsCollection.Name)]
public class ConvolutionKernelTests
{
    public static IEnumerable<object[]> Geometries()
    {
        // batch, C, H, W, K, kh, kw, sh, sw, padding, ph, pw, dh, dw, groups
        yield return new object[] { 2, 3, 7, 7, 4, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 1, 1, 28, 28, 8, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 3, 4, 9, 8, 6, 3, 3, 2, 2, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 2, 10, 11, 3, 4, 2, 2, 3, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 3, 8, 9, 5, 3, 5, 1, 2, PaddingMode.Explicit, 1, 2, 1, 1, 1 };
        yield return new object[] { 2, 2, 11, 10, 4, 3, 3, 1, 1, PaddingMode.Explicit, 2, 2, 2, 2, 1 };
        yield return new object[] { 3, 4, 9, 9, 6, 3, 3, 1, 1, PaddingMode.Same, 0, 0, 1, 1, 2 };
        yield return new object[] { 2, 6, 7, 6, 6, 3, 3, 2, 1, PaddingMode.Explicit, 1, 1, 1, 1, 6 };
        yield return new object[] { 5, 3, 5, 5, 2, 1, 1, 2, 2, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 1, 5, 6, 7, 3, 5, 5, 1, 1, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 4, 8, 13, 13, 16, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 4, 12, 12, 4, 3, 3, 3, 3, PaddingMode.Same, 0, 0, 2, 1, 4 };
        // one input channel: the direct kernel (rows of ≥ 16 outputs), with and without padding
        yield return new object[] { 6, 1, 20, 21, 5, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 5, 1, 17, 19, 6, 5, 4, 1, 1, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 3, 1, 16, 33, 4, 2, 3, 1, 1, PaddingMode.Explicit, 1, 2, 1, 1, 1 };
        // one channel, 3×3: three output rows at a time (a last block overlapping the previous one; exactly three
        // rows; fewer than three rows go through the general loop)
        yield return new object[] { 4, 1, 4, 17, 3, 3, 3, 1, 1, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 1, 5, 18, 2, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 1, 4, 20, 3, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
        // batches large enough to be split over threads by image
        yield return new object[] { 9, 3, 11, 10, 7, 3, 3, 2, 2, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 8, 6, 9, 9, 6, 3, 3, 1, 1, PaddingMode.Explicit, 1, 1, 1, 1, 3 };
        // 16-channel tiles of the pixel-major transposes (and their edges)
        yield return new object[] { 3, 32, 13, 13, 20, 3, 3, 1, 1, PaddingMode.Same, 0, 0, 1, 1, 1 };
        yield return new object[] { 2, 34, 9, 17, 33, 3, 3, 2, 1, PaddingMode.Valid, 0, 0, 1, 1, 1 };
    }

    private static ConvolutionGeometry Make(object[] a) => ConvolutionGeometry.Create(
        (int)a[0], (int)a[1], (int)a[2], (int)a[3], (int)a[4], (int)a[5], (int)a[6], (int)a[7], (int)a[8],
        (PaddingMode)a[9], (int)a[10], (int)a[11], (int)a[12], (int)a[13], (int)a[14]);

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double scale, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = 1e-4 * (1 + scale);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tol:G3})");
        }
    }

    /// <summary>Runs the check on both GEMM layouts (pixel-major im2row, classic im2col), with chunks of one
    /// image and of several images, split over threads by chunk or not: all different code paths.
    /// (The switches are process-wide; other tests running meanwhile just take another correct path.)</summary>
    private static void ForEachChunking(Action body)
    {
        int saved = ConvIm2ColGemm.ChunkColumns;
        bool savedParallel = ConvIm2ColGemm.ImageParallel;
        var savedRows = ConvIm2RowGemm.Choice;
        try
        {
            foreach (var rows in new[] { ConvLayoutChoice.PixelMajor, ConvLayoutChoice.Classic, ConvLayoutChoice.Auto })
                foreach (bool imageParallel in new[] { true, false })
                    foreach (int columns in new[] { 1, 64, 100_000 })
                    {
                        ConvIm2RowGemm.Choice = rows;
                        ConvIm2ColGemm.ImageParallel = imageParallel;
                        ConvIm2ColGemm.ChunkColumns = columns;
                        body();
                    }
        }
        finally
        {
            ConvIm2ColGemm.ChunkColumns = saved;
            ConvIm2ColGemm.ImageParallel = savedParallel;
            ConvIm2RowGemm.Choice = savedRows;
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_MatchesNaiveConvolution(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, PaddingMode pad, int ph, int pw, int dh, int dw, int groups)
    {
        var g = Make(new object[] { n, c, h, w, k, kh, kw, sh, sw, pad, ph, pw, dh, dw, groups });
        var x = GradientCheck.Random(new Shape(n, c, h, w), 1);
        var weight = GradientCheck.Random(new Shape(k, c / groups, kh, kw), 2);
        var bias = GradientCheck.Random(new Shape(k), 3);
        foreach (var act in new[] { ActivationKind.None, ActivationKind.ReLU })
        {
            var expected = new float[n * g.OutputSize];
            ConvNaive.Forward(x.Span, weight.Span, bias.Span, expected, g, act);
            ForEachChunking(() =>
            {
                var y = new Tensor(n, k, g.OutputHeight, g.OutputWidth);
                y.Fill(float.NaN);
                CpuBackend.Instance.Conv2dForward(x, weight, bias, y, g, act);
                AssertClose(expected, y.Span, g.PatchSize, $"y ({act}, chunk {ConvIm2ColGemm.ChunkColumns})");
            });
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardData_MatchesNaive(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, PaddingMode pad, int ph, int pw, int dh, int dw, int groups)
    {
        var g = Make(new object[] { n, c, h, w, k, kh, kw, sh, sw, pad, ph, pw, dh, dw, groups });
        var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 4);
        var weight = GradientCheck.Random(new Shape(k, c / groups, kh, kw), 5);
        var expected = new float[n * g.InputSize];
        ConvNaive.BackwardData(dy.Span, weight.Span, expected, g);
        ForEachChunking(() =>
        {
            var dx = new Tensor(n, c, h, w);
            dx.Fill(float.NaN);
            CpuBackend.Instance.Conv2dBackwardData(dy, weight, dx, g);
            AssertClose(expected, dx.Span, g.GroupFilters * g.KernelArea, $"dx (chunk {ConvIm2ColGemm.ChunkColumns})");
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardFilter_MatchesNaive(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, PaddingMode pad, int ph, int pw, int dh, int dw, int groups)
    {
        var g = Make(new object[] { n, c, h, w, k, kh, kw, sh, sw, pad, ph, pw, dh, dw, groups });
        var x = GradientCheck.Random(new Shape(n, c, h, w), 6);
        var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 7);
        var expectedW = new float[g.WeightSize];
        var expectedB = new float[k];
        ConvNaive.BackwardFilter(x.Span, dy.Span, expectedW, expectedB, g);
        ForEachChunking(() =>
        {
            var dw = new Tensor(k, c / groups, kh, kw);
            var db = new Tensor(k);
            dw.Fill(float.NaN);
            db.Fill(float.NaN);
            CpuBackend.Instance.Conv2dBackwardFilter(x, dy, dw, db, g);
            AssertClose(expectedW, dw.Span, n * g.OutputPlane, $"dW (chunk {ConvIm2ColGemm.ChunkColumns})");
            AssertClose(expectedB, db.Span, n * g.OutputPlane, "dbias");
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardFilter_WithTheForwardsWorkspace_MatchesNaive(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, PaddingMode pad, int ph, int pw, int dh, int dw, int groups)
    {
        var g = Make(new object[] { n, c, h, w, k, kh, kw, sh, sw, pad, ph, pw, dh, dw, groups });
        var x = GradientCheck.Random(new Shape(n, c, h, w), 8);
        var weight = GradientCheck.Random(new Shape(k, c / groups, kh, kw), 9);
        var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 10);
        var expectedW = new float[g.WeightSize];
        ConvNaive.BackwardFilter(x.Span, dy.Span, expectedW, default, g);
        var workspace = new ConvolutionWorkspace();
        ForEachChunking(() =>
        {
            var y = new Tensor(dy.Shape);
            CpuBackend.Instance.Conv2dForward(x, weight, null, y, g, workspace: workspace);
            var dwt = new Tensor(weight.Shape);
            dwt.Fill(float.NaN);
            CpuBackend.Instance.Conv2dBackwardFilter(x, dy, dwt, null, g, workspace);
            AssertClose(expectedW, dwt.Span, n * g.OutputPlane, $"dW (cached, chunk {ConvIm2ColGemm.ChunkColumns})");
            // another input of the same shape: the workspace must not be used for it
            var x2 = GradientCheck.Random(x.Shape, 99);
            var expected2 = new float[g.WeightSize];
            ConvNaive.BackwardFilter(x2.Span, dy.Span, expected2, default, g);
            CpuBackend.Instance.Conv2dBackwardFilter(x2, dy, dwt, null, g, workspace);
            AssertClose(expected2, dwt.Span, n * g.OutputPlane, "dW (other input)");
        });
    }

    [Theory]
    [InlineData(6, 1, 20, 21, 5, 3, PaddingMode.Valid, ActivationKind.ReLU, false)]        // direct kernel, act′ folded in
    [InlineData(3, 1, 17, 30, 4, 5, PaddingMode.Same, ActivationKind.LeakyReLU, false)]    // direct, generic kernel size
    [InlineData(2, 1, 18, 18, 3, 3, PaddingMode.Same, ActivationKind.None, false)]
    [InlineData(2, 1, 18, 18, 3, 3, PaddingMode.Same, ActivationKind.Tanh, true)]
    [InlineData(5, 4, 9, 8, 6, 3, PaddingMode.Same, ActivationKind.ReLU, true)]            // im2col path
    [InlineData(4, 3, 7, 7, 5, 2, PaddingMode.Valid, ActivationKind.Sigmoid, true)]
    [InlineData(9, 5, 12, 11, 7, 3, PaddingMode.Same, ActivationKind.LeakyReLU, false)]
    public void FusedBackward_MatchesActivationBackwardThenNaive(int n, int c, int h, int w, int k, int kernel, PaddingMode pad, ActivationKind act, bool needDx)
    {
        var g = ConvolutionGeometry.Create(n, c, h, w, k, kernel, kernel, padding: pad);
        var x = GradientCheck.Random(new Shape(n, c, h, w), 31);
        var weight = GradientCheck.Random(new Shape(k, c, kernel, kernel), 32);
        var bias = GradientCheck.Random(new Shape(k), 33);
        var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 34);
        var y = new Tensor(dy.Shape);
        CpuBackend.Instance.Conv2dForward(x, weight, bias, y, g, act, 0.1f);
        // reference: dz = dy ⊙ act′(y), then the naive backward passes
        var dz = new Tensor(dy.Shape);
        CpuBackend.Instance.ActivationBackward(null, y, dy, dz, act, 0.1f);
        var expectedW = new float[g.WeightSize]; var expectedB = new float[k]; var expectedX = new float[n * g.InputSize];
        ConvNaive.BackwardFilter(x.Span, dz.Span, expectedW, expectedB, g);
        ConvNaive.BackwardData(dz.Span, weight.Span, expectedX, g);

        var dyBefore = dy.ToArray();
        var workspace = new ConvolutionWorkspace();
        ForEachChunking(() =>
        {
            foreach (bool withWorkspace in new[] { false, true })
            {
                var dw = new Tensor(weight.Shape); var db = new Tensor(k); var dx = needDx ? new Tensor(x.Shape) : null;
                var scratch = new Tensor(dy.Shape);
                if (dx is not null) dx.Fill(float.NaN);
                var y2 = new Tensor(dy.Shape);
                CpuBackend.Instance.Conv2dForward(x, weight, bias, y2, g, act, 0.1f, withWorkspace ? workspace : null);
                CpuBackend.Instance.Conv2dBackward(x, y2, dy, weight, dw, db, dx, g, act, 0.1f, scratch, withWorkspace ? workspace : null);
                AssertClose(expectedW, dw.Span, n * g.OutputPlane, "dW");
                AssertClose(expectedB, db.Span, n * g.OutputPlane, "dbias");
                if (dx is not null) AssertClose(expectedX, dx.Span, k * g.KernelArea, "dx");
                Assert.Equal(dyBefore, dy.ToArray());
            }
        });
    }

    [Fact]
    public void ParallelConvolution_IsBitwiseRepeatable()
    {
        // Threads claim chunks in a different order on every call; results must not depend on it.
        var g = ConvolutionGeometry.Create(64, 32, 13, 13, 64, 3, 3);
        var x = GradientCheck.Random(new Shape(64, 32, 13, 13), 21);
        var w = GradientCheck.Random(new Shape(64, 32, 3, 3), 22);
        var dy = GradientCheck.Random(new Shape(64, 64, 11, 11), 23);
        float[]? firstY = null, firstDx = null, firstDw = null;
        for (int r = 0; r < 5; r++)
        {
            var y = new Tensor(dy.Shape); var dx = new Tensor(x.Shape); var dw = new Tensor(w.Shape);
            CpuBackend.Instance.Conv2dForward(x, w, null, y, g);
            CpuBackend.Instance.Conv2dBackwardData(dy, w, dx, g);
            CpuBackend.Instance.Conv2dBackwardFilter(x, dy, dw, null, g);
            firstY ??= y.ToArray(); firstDx ??= dx.ToArray(); firstDw ??= dw.ToArray();
            Assert.Equal(firstY, y.ToArray());
            Assert.Equal(firstDx, dx.ToArray());
            Assert.Equal(firstDw, dw.ToArray());
        }
    }

    [Fact]
    public void NaiveBackward_IsTheAdjointOfNaiveForward()
    {
        // <conv(x), dy> = <x, convᵀ(dy)> = <w, dW(x, dy)>: ties the naive backward passes to the naive forward.
        var g = ConvolutionGeometry.Create(2, 4, 7, 6, 6, 3, 2, 2, 1, PaddingMode.Same, dilationHeight: 2, groups: 2);
        var x = GradientCheck.Random(new Shape(2, 4, 7, 6), 11);
        var w = GradientCheck.Random(new Shape(6, 2, 3, 2), 12);
        var dy = GradientCheck.Random(new Shape(2, 6, g.OutputHeight, g.OutputWidth), 13);
        var y = new float[dy.Size];
        ConvNaive.Forward(x.Span, w.Span, default, y, g);
        var dx = new float[x.Size];
        ConvNaive.BackwardData(dy.Span, w.Span, dx, g);
        var dw = new float[w.Size];
        ConvNaive.BackwardFilter(x.Span, dy.Span, dw, default, g);
        double ydy = Dot(y, dy.Span), xdx = Dot(x.Span, dx), wdw = Dot(w.Span, dw);
        Assert.Equal(ydy, xdx, 3);
        Assert.Equal(ydy, wdw, 3);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    [Fact]
    public void ShapeMismatch_IsRefusedWithTheGeometry()
    {
        var g = ConvolutionGeometry.Create(2, 3, 8, 8, 4, 3, 3);
        var e = Assert.Throws<ShapeMismatchException>(() =>
            CpuBackend.Instance.Conv2dForward(new Tensor(2, 3, 8, 7), new Tensor(4, 3, 3, 3), null, new Tensor(2, 4, 6, 6), g));
        Assert.Contains("(2, 3, 8, 7)", e.Message);
    }
}
