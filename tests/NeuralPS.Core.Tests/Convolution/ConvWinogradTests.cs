using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>The Winograd F(2×2, 3×3), F(4×4, 3×3) and F(6×6, 3×3) forward, input gradient and filter gradient against
/// the naive direct convolution (float64 sums) on the geometries they take, each with every tile: odd and even output
/// sizes (tiles past the edge), every padding form, channel and filter counts that are not multiples of any vector width,
/// chunks of one and of several images, fused and unfused activations, input-gradient sides of 4q + 1 and 6q + 1 (the
/// edge strips). Each case first asserts that the Winograd path applies, so a geometry that silently fell back to another
/// path could not pass. Tolerance 1e-5·(1 + terms summed) for all tiles: ten times tighter than the GEMM paths' test.
/// Measured maxima per unit on all three vector paths: F(2×2) below 6e-8, F(4×4) below 6e-7 (its coefficients run to 8
/// and 1/24), F(6×6) forward 6.5e-7, input gradient 5.9e-7, filter gradient 1.25e-6 (its coefficients run to 32 and
/// 1/90), 8× inside the tolerance; NEURALPS_WINOGRAD_ERRORS=file lists every case's. On the seed CNN's conv 2 with
/// realistic data (ReLU'd unit Gaussians, He weights, batch 64) the error relative to the largest output was, GEMM path /
/// F(2×2) / F(4×4) / F(6×6): forward 4.8e-7 / 2.4e-7 / 4.1e-6 / 6.7e-6, input gradient 2.1e-7 / 5.1e-7 / 7.0e-6 / 1.1e-5,
/// filter gradient 3.4e-7 / 4.5e-7 / 3.2e-6 / 5.7e-6 (root-mean-square relative: F(6×6) 1.9e-6 – 3.7e-6, about twice
/// F(4×4)'s).</summary>
[Collection(ConvSettingsCollection.Name)]
public class ConvWinogradTests
{
    public static IEnumerable<object[]> Geometries()
    {
        foreach (int tile in new[] { 2, 4, 6 })
        {
            // tile, n, c, h, w, k, padding, padH, padW
            yield return new object[] { tile, 3, 32, 13, 13, 64, PaddingMode.Valid, 0, 0 };   // the seed CNN's second conv
            yield return new object[] { tile, 2, 16, 12, 12, 16, PaddingMode.Valid, 0, 0 };   // even output (10×10)
            yield return new object[] { tile, 2, 17, 9, 11, 33, PaddingMode.Same, 0, 0 };     // ragged channels and filters
            yield return new object[] { tile, 1, 24, 5, 4, 20, PaddingMode.Explicit, 2, 1 };  // padding wider than an F(2×2) tile
            yield return new object[] { tile, 5, 19, 7, 8, 18, PaddingMode.Same, 0, 0 };      // several chunks
            yield return new object[] { tile, 2, 40, 4, 4, 48, PaddingMode.Valid, 0, 0 };     // one 2×2 tile per image, a ragged 4×4 one
            yield return new object[] { tile, 3, 16, 10, 10, 24, PaddingMode.Valid, 0, 0 };   // one full 4×4 tile per cell (8×8 output)
            yield return new object[] { tile, 2, 21, 15, 9, 17, PaddingMode.Explicit, 1, 2 }; // ragged 4×4 tiles on both axes
            yield return new object[] { tile, 2, 16, 14, 14, 20, PaddingMode.Valid, 0, 0 };   // full 6×6 tiles only (12×12 output)
        }
    }

    private const double Tolerance = 1e-5;

    private static T WithTile<T>(int tile, Func<T> body)
    {
        int saved = ConvWinograd.Tile;
        ConvWinograd.Tile = tile;
        try { return body(); }
        finally { ConvWinograd.Tile = saved; }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_MatchesNaiveConvolution(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw) =>
        WithTile(tile, () => Forward(tile, n, c, h, w, k, pad, ph, pw));

    private static int Forward(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw)
    {
        var g = ConvolutionGeometry.Create(n, c, h, w, k, 3, 3, 1, 1, pad, ph, pw, 1, 1, 1);
        ConvWinograd.Force = true;
        try { Assert.True(ConvWinograd.Applies(g), $"Winograd should take {g}"); }
        finally { ConvWinograd.Force = false; }
        var x = GradientCheck.Random(new Shape(n, c, h, w), 11);
        var weight = GradientCheck.Random(new Shape(k, c, 3, 3), 12);
        var bias = GradientCheck.Random(new Shape(k), 13);
        int saved = ConvWinograd.TilesPerChunk, savedF6 = ConvWinograd.F6TilesPerChunk;
        ConvWinograd.Force = true;
        try
        {
            foreach (int tiles in new[] { 1, 144 })
                foreach (var act in new[] { ActivationKind.None, ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Tanh })
                {
                    ConvWinograd.TilesPerChunk = ConvWinograd.F6TilesPerChunk = tiles;
                    var expected = new float[n * g.OutputSize];
                    ConvNaive.Forward(x.Span, weight.Span, bias.Span, expected, g, act, 0.1f);
                    var y = new Tensor(n, k, g.OutputHeight, g.OutputWidth);
                    y.Fill(float.NaN);
                    CpuBackend.Instance.Conv2dForward(x, weight, bias, y, g, act, 0.1f);
                    double tol = Tolerance * (1 + g.PatchSize);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(Math.Abs(expected[i] - y[i]) <= tol, $"y[{i}] (F({tile}), {act}, {tiles} tiles per chunk): expected {expected[i]}, got {y[i]}");
                    Report("forward", tile, g, expected, y, 1 + g.PatchSize);
                }
        }
        finally
        {
            ConvWinograd.TilesPerChunk = saved;
            ConvWinograd.F6TilesPerChunk = savedF6;
            ConvWinograd.Force = false;
        }
        return 0;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardData_MatchesNaive(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw) =>
        WithTile(tile, () => BackwardData(tile, n, c, h, w, k, pad, ph, pw));

    private static int BackwardData(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw)
    {
        var g = ConvolutionGeometry.Create(n, c, h, w, k, 3, 3, 1, 1, pad, ph, pw, 1, 1, 1);
        ConvWinograd.Force = true;
        try
        {
            bool applies = ConvWinograd.AppliesToBackwardData(g);
            Assert.Equal(g.PadTop <= 2 && g.PadLeft <= 2 && g.PadBottom <= 2 && g.PadRight <= 2, applies);
            if (!applies) return 0;
            var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 14);
            var weight = GradientCheck.Random(new Shape(k, c, 3, 3), 15);
            var expected = new float[n * g.InputSize];
            ConvNaive.BackwardData(dy.Span, weight.Span, expected, g);
            var dx = new Tensor(n, c, h, w);
            dx.Fill(float.NaN);
            CpuBackend.Instance.Conv2dBackwardData(dy, weight, dx, g);
            double tol = Tolerance * (1 + k * 9);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - dx[i]) <= tol, $"dx[{i}] (F({tile})): expected {expected[i]}, got {dx[i]}");
            Report("data", tile, g, expected, dx, 1 + k * 9);
        }
        finally
        {
            ConvWinograd.Force = false;
        }
        return 0;
    }

    /// <summary>The Winograd filter gradient (and the bias gradient beside it) against the naive float64 sums, with
    /// chunks of one tile, of one image and of several images (per-chunk partials summed in order). Tolerance
    /// 1e-5·(1 + N·OH·OW), ten times tighter than the GEMM paths' filter-gradient test. Also: twice the same
    /// call gives bit-identical results (deterministic whichever thread took which chunk).</summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardFilter_MatchesNaive(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw) =>
        WithTile(tile, () => BackwardFilter(tile, n, c, h, w, k, pad, ph, pw));

    private static int BackwardFilter(int tile, int n, int c, int h, int w, int k, PaddingMode pad, int ph, int pw)
    {
        var g = ConvolutionGeometry.Create(n, c, h, w, k, 3, 3, 1, 1, pad, ph, pw, 1, 1, 1);
        int saved = ConvWinograd.FilterTilesPerChunk;
        ConvWinograd.Force = true;
        try
        {
            Assert.True(ConvWinograd.AppliesToBackwardFilter(g), $"Winograd should take the filter gradient of {g}");
            var x = GradientCheck.Random(new Shape(n, c, h, w), 16);
            var dy = GradientCheck.Random(new Shape(n, k, g.OutputHeight, g.OutputWidth), 17);
            var expectedW = new float[g.WeightSize];
            var expectedB = new float[k];
            ConvNaive.BackwardFilter(x.Span, dy.Span, expectedW, expectedB, g);
            double tol = Tolerance * (1 + n * g.OutputPlane);
            foreach (int tiles in new[] { 1, 144, 100000 })
            {
                ConvWinograd.FilterTilesPerChunk = tiles;
                var dw = new Tensor(k, c, 3, 3);
                var db = new Tensor(k);
                dw.Fill(float.NaN);
                db.Fill(float.NaN);
                CpuBackend.Instance.Conv2dBackwardFilter(x, dy, dw, db, g);
                for (int i = 0; i < expectedW.Length; i++)
                    Assert.True(Math.Abs(expectedW[i] - dw[i]) <= tol, $"dW[{i}] (F({tile}), {tiles} tiles per chunk): expected {expectedW[i]}, got {dw[i]}");
                for (int i = 0; i < k; i++)
                    Assert.True(Math.Abs(expectedB[i] - db[i]) <= tol, $"dbias[{i}]: expected {expectedB[i]}, got {db[i]}");
                var again = new Tensor(k, c, 3, 3);
                CpuBackend.Instance.Conv2dBackwardFilter(x, dy, again, null, g);
                Assert.Equal(dw.ToArray(), again.ToArray());
                Report("filter", tile, g, expectedW, dw, 1 + n * g.OutputPlane);
            }
        }
        finally
        {
            ConvWinograd.FilterTilesPerChunk = saved;
            ConvWinograd.Force = false;
        }
        return 0;
    }

    /// <summary>NEURALPS_WINOGRAD_ERRORS=path appends each case's max |error| / (1 + terms) there (the note's table).</summary>
    private static void Report(string pass, int tile, in ConvolutionGeometry g, float[] expected, Tensor actual, int terms)
    {
        string? path = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_ERRORS");
        if (path is null) return;
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        File.AppendAllText(path, $"{pass}\tF{tile}\t{g}\t{max / terms:E2}\n");
    }

    [Fact]
    public void Not_taken_for_strided_dilated_grouped_or_thin_convolutions_or_small_batches()
    {
        Assert.True(ConvWinograd.Applies(ConvolutionGeometry.Create(8, 32, 13, 13, 64, 3, 3)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 32, 13, 13, 64, 3, 3)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 32, 9, 9, 32, 3, 3, 2, 2, PaddingMode.Valid, 0, 0, 1, 1, 1)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 32, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 2, 2, 1)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 32, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 2)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 8, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1)));
        Assert.False(ConvWinograd.Applies(ConvolutionGeometry.Create(1, 32, 9, 9, 32, 5, 5, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1)));
        Assert.True(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(8, 32, 13, 13, 64, 3, 3)));
        Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(1, 32, 13, 13, 64, 3, 3)));
        Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(64, 32, 9, 9, 32, 3, 3, 2, 2, PaddingMode.Valid, 0, 0, 1, 1, 1)));
        Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(64, 32, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 2, 2, 1)));
        Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(64, 32, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 2)));
        Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(64, 8, 9, 9, 32, 3, 3, 1, 1, PaddingMode.Valid, 0, 0, 1, 1, 1)));
        bool saved = ConvWinograd.InFilterGradient;
        ConvWinograd.InFilterGradient = false;
        try { Assert.False(ConvWinograd.AppliesToBackwardFilter(ConvolutionGeometry.Create(8, 32, 13, 13, 64, 3, 3))); }
        finally { ConvWinograd.InFilterGradient = saved; }
    }

    /// <summary>F(4×4) where its GEMMs do at most 3/4 of F(2×2)'s on the pass's output (the input gradient's is the
    /// forward's input) and, but for the filter gradient, the batch fills a chunk; F(2×2) elsewhere; then F(6×6) where
    /// it does at most 22/25 of the work of F(4×4) (or in the filter gradient of either) with 64 tiles or more;
    /// <see cref="ConvWinograd.Tile"/> (NEURALPS_WINOGRAD_TILE) overrides.</summary>
    [Fact]
    public void F4_and_F6_are_chosen_per_pass_where_they_save_gemm_work()
    {
        int saved = ConvWinograd.Tile;
        try
        {
            ConvWinograd.Tile = 0;
            // F(6×6) in place of F(4×4) (work: 64 per tile, 9 per strip pixel, at most 22/25) with 64 F(6×6) tiles or more
            var seed2 = ConvolutionGeometry.Create(64, 32, 13, 13, 64, 3, 3); // 11×11 out: F2 576, F4 324, F6 256; 13×13 in with strips: F4 549, F6 481
            Assert.Equal(6, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.Forward));
            Assert.Equal(6, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.BackwardFilter));
            Assert.Equal(6, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.BackwardData));
            bool savedStrips = ConvWinograd.EdgeStrips;
            ConvWinograd.EdgeStrips = false; // 13×13 in without strips: F4 576, F6 576
            try { Assert.Equal(4, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.BackwardData)); }
            finally { ConvWinograd.EdgeStrips = savedStrips; }
            var small = ConvolutionGeometry.Create(64, 32, 8, 8, 32, 3, 3); // 6×6 out: F2 144, F4 144, F6 64; 8×8 in: F4 144, F6 256
            Assert.Equal(2, ConvWinograd.TileFor(small, ConvWinograd.Pass.Forward)); // F(6×6) replaces F(2×2) only in the filter gradient
            Assert.Equal(6, ConvWinograd.TileFor(small, ConvWinograd.Pass.BackwardFilter));
            Assert.Equal(4, ConvWinograd.TileFor(small, ConvWinograd.Pass.BackwardData));
            var ten = ConvolutionGeometry.Create(64, 32, 12, 12, 32, 3, 3); // 10×10 out: F2 400, F4 324, F6 256; 12×12 in: F4 324, F6 256
            Assert.Equal(2, ConvWinograd.TileFor(ten, ConvWinograd.Pass.Forward));
            Assert.Equal(6, ConvWinograd.TileFor(ten, ConvWinograd.Pass.BackwardData));
            var resnet28 = ConvolutionGeometry.Create(64, 16, 28, 28, 16, 3, 3, padding: PaddingMode.Same); // F4 1764, F6 1600: 0.91
            Assert.Equal(4, ConvWinograd.TileFor(resnet28, ConvWinograd.Pass.Forward));
            var seven = ConvolutionGeometry.Create(64, 64, 7, 7, 64, 3, 3, padding: PaddingMode.Same); // 7×7 in with strips: F4 144, F6 64 + 9·13
            Assert.Equal(4, ConvWinograd.TileFor(seven, ConvWinograd.Pass.BackwardData));
            var batch8 = ConvolutionGeometry.Create(8, 32, 13, 13, 64, 3, 3); // 72 F(4×4) tiles: less than one chunk; 32 F(6×6) tiles
            Assert.Equal(2, ConvWinograd.TileFor(batch8, ConvWinograd.Pass.Forward));
            Assert.Equal(2, ConvWinograd.TileFor(batch8, ConvWinograd.Pass.BackwardData));
            Assert.Equal(4, ConvWinograd.TileFor(batch8, ConvWinograd.Pass.BackwardFilter));
            ConvWinograd.Tile = 2;
            Assert.Equal(2, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.Forward));
            ConvWinograd.Tile = 4;
            Assert.Equal(4, ConvWinograd.TileFor(small, ConvWinograd.Pass.Forward));
            Assert.Equal(4, ConvWinograd.TileFor(seed2, ConvWinograd.Pass.BackwardFilter));
            ConvWinograd.Tile = 6;
            Assert.Equal(6, ConvWinograd.TileFor(small, ConvWinograd.Pass.BackwardData));
        }
        finally { ConvWinograd.Tile = saved; }
    }

    /// <summary>Each forced tile runs its own transforms: on the seed CNN's conv 2 the three tiles' forward, input gradient
    /// and filter gradient agree within the tolerance but no two are bit-identical (a tile that fell back to another one
    /// in a dispatch would be).</summary>
    [Fact]
    public void Each_forced_tile_computes_with_its_own_transforms()
    {
        var g = ConvolutionGeometry.Create(4, 32, 13, 13, 64, 3, 3);
        var x = GradientCheck.Random(new Shape(4, 32, 13, 13), 31);
        var w = GradientCheck.Random(new Shape(64, 32, 3, 3), 32);
        var dy = GradientCheck.Random(new Shape(4, 64, 11, 11), 33);
        var results = new List<float[][]>();
        ConvWinograd.Force = true;
        try
        {
            foreach (int tile in new[] { 2, 4, 6 })
                results.Add(WithTile(tile, () =>
                {
                    var y = new Tensor(4, 64, 11, 11);
                    var dx = new Tensor(4, 32, 13, 13);
                    var dw = new Tensor(64, 32, 3, 3);
                    CpuBackend.Instance.Conv2dForward(x, w, null, y, g);
                    CpuBackend.Instance.Conv2dBackwardData(dy, w, dx, g);
                    CpuBackend.Instance.Conv2dBackwardFilter(x, dy, dw, null, g);
                    return new[] { y.ToArray(), dx.ToArray(), dw.ToArray() };
                }));
        }
        finally { ConvWinograd.Force = false; }
        double[] tol = { Tolerance * (1 + g.PatchSize), Tolerance * (1 + 64 * 9), Tolerance * (1 + 4 * g.OutputPlane) };
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
                for (int pass = 0; pass < 3; pass++)
                {
                    float[] p = results[a][pass], q = results[b][pass];
                    for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(p[i] - q[i]) <= 2 * tol[pass], $"pass {pass}, tiles {a}/{b}, [{i}]: {p[i]} vs {q[i]}");
                    Assert.False(p.AsSpan().SequenceEqual(q), $"pass {pass}: tiles {a} and {b} gave bit-identical results");
                }
    }

    /// <summary>With <see cref="ConvWinograd.InTraining"/> off, inference takes Winograd and the training forward
    /// the GEMM path whose patch matrix the filter gradient reuses; both give the same outputs within the tolerance.</summary>
    [Fact]
    public void A_layer_predicts_with_Winograd_and_trains_with_the_gemm_path_to_the_same_values()
    {
        bool savedTraining = ConvWinograd.InTraining;
        ConvWinograd.InTraining = false;
        try { PredictAndTrain(); }
        finally { ConvWinograd.InTraining = savedTraining; }
    }

    private static void PredictAndTrain()
    {
        var net = new Network("w", new Shape(32, 13, 13), 5).Add(new Conv2d(64, 3, activation: ActivationKind.ReLU));
        var x = GradientCheck.Random(new Shape(8, 32, 13, 13), 21);
        var inference = net.Forward(x, new LayerContext(CpuBackend.Instance, training: false)).ToArray();
        var training = net.Forward(x, new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1))).ToArray();
        Assert.Equal(training.Length, inference.Length);
        bool differs = false;
        for (int i = 0; i < training.Length; i++)
        {
            Assert.True(Math.Abs(training[i] - inference[i]) <= 4e-4 * 289, $"[{i}] {training[i]} vs {inference[i]}");
            differs |= training[i] != inference[i];
        }
        Assert.True(differs, "the two paths should not be the same code (bit-identical outputs everywhere)");
    }

    /// <summary>End to end: a few training steps of a conv stack with Winograd forced on (forward in training,
    /// input gradient) end within float32 noise of the same steps with it off (the filter gradient then rebuilds
    /// its patch matrix instead of reusing the forward's).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(6)]
    public void Training_with_Winograd_matches_training_without(int tile)
    {
        float[][] Train(bool winograd)
        {
            bool savedEnabled = ConvWinograd.Enabled, savedTraining = ConvWinograd.InTraining;
            int savedTile = ConvWinograd.Tile;
            ConvWinograd.Tile = tile;
            ConvWinograd.Enabled = winograd;
            ConvWinograd.InTraining = true;
            ConvWinograd.Force = winograd;
            try
            {
                var rng = new NeuralRandom(4);
                var x = new Tensor(24, 16, 9, 9);
                var y = new int[24];
                for (int i = 0; i < 24; i++)
                {
                    y[i] = i % 3;
                    for (int j = 0; j < 16 * 81; j++) x[i * 16 * 81 + j] = (float)(rng.NextGaussian() + (j % 3 == y[i] ? 0.5 : 0));
                }
                var net = new Network("w", new Shape(16, 9, 9), 9)
                    .Add(new Conv2d(16, 3, padding: PaddingMode.Same, activation: ActivationKind.ReLU))
                    .Add(new Conv2d(16, 3, activation: ActivationKind.ReLU)).Add(new Flatten()).Add(new Dense(3));
                new NeuralPS.Core.Training.Trainer(net, new NeuralPS.Core.Training.TrainingOptions { Epochs = 3, BatchSize = 8, Seed = 2 })
                    .Fit(new NeuralPS.Core.Data.Dataset(x, y, null, new[] { "a", "b", "c" })).ToList();
                return net.Parameters.Select(p => p.Value.ToArray()).ToArray();
            }
            finally
            {
                ConvWinograd.Enabled = savedEnabled;
                ConvWinograd.InTraining = savedTraining;
                ConvWinograd.Tile = savedTile;
                ConvWinograd.Force = false;
            }
        }

        var with = Train(true);
        var without = Train(false);
        bool differs = false;
        for (int t = 0; t < with.Length; t++)
            for (int i = 0; i < with[t].Length; i++)
            {
                Assert.True(Math.Abs(with[t][i] - without[t][i]) <= 1e-3 * (1 + Math.Abs(without[t][i])), $"parameter {t}[{i}]: {with[t][i]} vs {without[t][i]}");
                differs |= with[t][i] != without[t][i];
            }
        Assert.True(differs, "Winograd was not used (bit-identical weights)");
    }
}
