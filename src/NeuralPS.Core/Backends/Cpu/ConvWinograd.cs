using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>3×3 convolution (stride 1, dilation 1, one group, any padding) by Winograd's minimal filtering
/// F(m×m, 3×3) (Lavin &amp; Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), m = 2, 4 or 6
/// (<see cref="WinogradF2"/>, <see cref="WinogradF4"/>, <see cref="WinogradF6"/>; which one per geometry and direction:
/// <see cref="TileFor"/>).
///
/// Each m×m block of outputs ("tile") is computed from the α×α input patch d around it (α = m + 2) as
///   Y = Aᵀ [ Σ_c (G g_kc Gᵀ) ⊙ (Bᵀ d_c B) ] A,
/// so the 9 multiply-adds per output and channel of a direct 3×3 convolution become α²/m² (4 for F(2×2),
/// 2.25 for F(4×4), 1.78 for F(6×6)), done as α² independent GEMMs, one per position ξ of the transformed tile:
///   M_ξ[T, K] = V_ξ[T, C] · U_ξᵀ   (U_ξ[K, C] = transformed filters, V_ξ = transformed input tiles).
/// As in <see cref="ConvIm2RowGemm"/>, the big operand (V, tiles × channels) is the GEMM's A, read in place,
/// and the small filter matrix is the packed B. Input and output are moved channels-last with the
/// register-tile transposes so that every transform runs over Lanes channels (filters) at a time, written
/// once over <see cref="ISimd{TV}"/> for every vector width and once over <see cref="IWinogradTile"/> for all tiles.
///
/// Arithmetic: F(2×2)'s coefficients are ±1 and halves, so it adds rounding comparable to a different summation
/// order; F(4×4)'s run to 8 and 1/24 and lose about a decimal digit more, F(6×6)'s to 32 and 1/90 and more again (all
/// measured against the direct float64 sum in the tests). Used for the forward (inference and training, <see cref="InTraining"/>), the input
/// gradient (<see cref="BackwardData"/>) and the filter gradient (<see cref="BackwardFilter"/>).</summary>
internal static unsafe class ConvWinograd
{
    /// <summary>Off switch (benchmarks compare with the GEMM paths; tests force both).</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>Also for the training forward (the filter gradient then rebuilds its patch matrix instead of
    /// reusing the forward's). Seed CNN, batch 64, one thread, per-layer thread CPU time, three interleaved
    /// rounds: conv 2 forward 2.7–3.2 → 1.6–1.8 ms (AVX-512) and 4.6–6.2 → 2.3–3.3 ms (AVX2), its backward
    /// 0.4–1 ms slower, the step ~1 ms (7%) faster on both. NEURALPS_WINOGRAD_TRAINING=0 turns it off.</summary>
    public static bool InTraining { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_TRAINING") != "0";

    /// <summary>Also for the input gradient in a training step (Conv2dBackward then leaves the classic layout's fused
    /// filter-and-data pass: act′ once, the filter gradient on im2col, the data gradient here).
    /// NEURALPS_WINOGRAD_BACKWARD=0 turns it off.</summary>
    public static bool InBackward { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_BACKWARD") != "0";

    /// <summary>Tiles per chunk: α² GEMMs of this many rows. F(2×2)'s V and M of a chunk stay in L2; F(4×4)'s are 2.25×
    /// larger, yet the same 144 rows measured faster than 64 (same bytes as F(2×2)): seed CNN conv 2, one thread,
    /// forward 0.74 vs 0.95–1.05 and filter gradient 0.64–0.67 vs 0.89–0.93 of F(2×2)'s time on AVX2 and AVX-512
    /// (96–192 rows within ±3% of 144).</summary>
    public static int TilesPerChunk { get; set; } = 144;

    /// <summary>F(6×6)'s tiles per chunk in the forward and the input gradient: 64 GEMMs of this many rows. One thread
    /// measured the same from 48 to 144 (seed CNN conv 2, AVX2, F(6×6)/F(4×4) 0.88–0.98 throughout); with two threads
    /// the batch of 64 then splits into 4 chunks of 18 images instead of 2 of 32, which kept both threads busy:
    /// forward 0.92–1.02 vs 0.99–1.13 and input gradient 0.86–0.96 vs 1.01–1.08 of F(4×4)'s time. The filter
    /// gradient's F(6×6) chunks stay at <see cref="FilterTilesPerChunk"/> (72 and 144 measured the same).</summary>
    public static int F6TilesPerChunk { get; set; } = 72;

    /// <summary>Fewer tiles in the whole batch than this and the GEMM paths are used: the filter transform
    /// (per call) and sixteen small GEMMs cost more than they save (seed CNN, batch 1: 212 µs vs 90 µs).</summary>
    public static int MinTiles { get; set; } = 256;

    private const int Slack = 32;

    public static bool Applies(in ConvolutionGeometry g) =>
        Enabled && ConvIm2RowGemm.Choice == ConvLayoutChoice.Auto && (Simd512.IsSupported || Simd256.IsSupported || Simd128.IsSupported)
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1
        && g.InputChannels >= 16 && g.Filters >= 16 && g.Filters <= 4096 && g.OutputHeight >= 2 && g.OutputWidth >= 2
        && (Force || (long)g.Batch * ((g.OutputHeight + 1) / 2) * ((g.OutputWidth + 1) / 2) >= MinTiles);

    /// <summary>Tests: take every geometry the kernel can compute, ignoring the speed rule (<see cref="MinTiles"/>).
    /// A second rule, at least one full SGEMM panel of filters, kept 32-filter outputs such as the seed CNN's input
    /// gradient of conv 2 off Winograd on AVX-512; with the vectorized filter transforms and F(4×4) it no longer
    /// held: `bench conv --winograd-tiles`, one thread, AVX-512, Winograd's time over the GEMM path's: that input
    /// gradient 0.83 (F(4×4)) and 0.85 (F(2×2)), 32 filters at 14×14 0.43–0.53, 16 at 28×28 0.59–0.78.</summary>
    internal static bool Force { get; set; }

    /// <summary>The input gradient of a 3×3 stride-1 convolution is itself one: dx = correlation of dy, padded
    /// by 2 − pad on each side, with the filters flipped in both axes and their channel and filter axes swapped
    /// (dx[c, iy, ix] = Σ_k Σ_ij dy[k, iy + pt − i, ix + pl − j]·w[k, c, i, j]). So it runs on the same kernel.</summary>
    public static bool AppliesToBackwardData(in ConvolutionGeometry g) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.PadTop <= 2 && g.PadBottom <= 2 && g.PadLeft <= 2 && g.PadRight <= 2
        && Applies(g) && Applies(DataGeometry(g));

    private static ConvolutionGeometry DataGeometry(in ConvolutionGeometry g) => g with
    {
        InputChannels = g.Filters, InputHeight = g.OutputHeight, InputWidth = g.OutputWidth,
        Filters = g.InputChannels, OutputHeight = g.InputHeight, OutputWidth = g.InputWidth,
        PadTop = 2 - g.PadTop, PadBottom = 2 - g.PadBottom, PadLeft = 2 - g.PadLeft, PadRight = 2 - g.PadRight,
    };

    [ThreadStatic] private static float[]? _taps;

    /// <summary>Nine tap planes of a convolution's K·C filters (tap t of filter kc at t·stride + kc), the layout the
    /// filter transforms read (and the filter gradient's transform writes) Lanes filters at a time.</summary>
    private static float* Taps(long stride)
    {
        if (_taps is null || _taps.LongLength < 9 * stride) _taps = GC.AllocateUninitializedArray<float>((int)(9 * stride), pinned: true);
        return (float*)Unsafe.AsPointer(ref _taps[0]);
    }

    /// <summary>Stride of the planes of K·C values (taps, transformed filters U[ξ], their gradients dU[ξ]): rounded up
    /// to 16 floats, so that a vector never straddles two planes and the transforms need no scalar tail.</summary>
    private static long PlaneStride(int filters, int channels) => ((long)filters * channels + 15) & ~15L;

    /// <summary>dx (overwritten) from dy and the forward's weights; see <see cref="AppliesToBackwardData"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // its flip loop ran as tier-0 code through the first training steps
    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        int k = g.Filters, c = g.InputChannels;
        long stride = PlaneStride(c, k);
        float* taps = Taps(stride);
        // The data convolution's filter (ch, f) is the forward's (f, ch) flipped in both axes.
        for (int f = 0; f < k; f++)
            for (int ch = 0; ch < c; ch++)
            {
                float* s = w + ((long)f * c + ch) * 9, d = taps + (long)ch * k + f;
                for (int t = 0; t < 9; t++) d[t * stride] = s[8 - t];
            }
        var data = DataGeometry(g);
        switch (TileFor(g, Pass.BackwardData))
        {
            case 6: Forward<WinogradF6>(dy, taps, stride, null, dx, data, ActivationKind.None, 0f, EdgeStrips); break;
            case 4: Forward<WinogradF4>(dy, taps, stride, null, dx, data, ActivationKind.None, 0f, EdgeStrips); break;
            default: Forward<WinogradF2>(dy, taps, stride, null, dx, data, ActivationKind.None, 0f, EdgeStrips); break;
        }
    }

    /// <summary>In the input gradient, an output side of mq + 1 (the seed CNN's 13×13: 4·3 + 1 and 6·2 + 1) takes F(4×4) or
    /// F(6×6) tiles over mq rows and columns only, and the last row and column directly (<see cref="Strips{TS, TV}"/>): a
    /// last row of tiles would compute m² outputs per tile to keep m (the seed CNN's input gradient ran 16 F(4×4) tiles per
    /// image, 9 with the strips; 9 F(6×6) tiles, 4 with them). NEURALPS_WINOGRAD_STRIPS=0 turns it off.</summary>
    public static bool EdgeStrips { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_STRIPS") != "0";

    /// <summary>Tiles over an output side of <paramref name="size"/> with tile <paramref name="m"/>: all of it, or with
    /// <paramref name="strips"/> and m = 4 or 6 a side of mq + 1 (q ≥ 1) only its first mq (the last one goes to a strip).
    /// Not for F(2×2), whose last tile keeps 2 of its 4 outputs.</summary>
    private static int TilesAlong(int size, int m, bool strips) =>
        strips && m >= 4 && size > m && size % m == 1 ? size / m : (size + m - 1) / m;

    [ThreadStatic] private static float[]? _stripWeights;

    /// <summary>The filters as [tap][input channel][output channel] (output channels padded to whole vectors with zeros), the
    /// layout <see cref="Strips{TS, TV}"/> reads a vector of output channels at a time from.</summary>
    private static float* StripWeights(float* taps, long stride, in ConvolutionGeometry g, out int outPad)
    {
        int cin = g.InputChannels, kout = g.Filters, lanes = Simd512.IsSupported ? 16 : Simd256.IsSupported ? 8 : 4;
        outPad = (kout + lanes - 1) / lanes * lanes;
        // Strips reads two vectors from a row: past a row's end it reads the next row (lanes it discards), and past
        // the last row this slack.
        long floats = 9L * cin * outPad + 64;
        if (_stripWeights is null || _stripWeights.LongLength < floats) _stripWeights = GC.AllocateUninitializedArray<float>((int)floats, pinned: true);
        float* wt = (float*)Unsafe.AsPointer(ref _stripWeights[0]);
        for (int t = 0; t < 9; t++)
            for (int ch = 0; ch < cin; ch++)
            {
                float* row = wt + ((long)t * cin + ch) * outPad;
                for (int f = 0; f < kout; f++) row[f] = taps[t * stride + (long)f * cin + ch];
                for (int f = kout; f < outPad; f++) row[f] = 0f;
            }
        for (int f = 0; f < 64; f++) wt[9L * cin * outPad + f] = 0f;
        return wt;
    }

    /// <summary>The outputs no tile covers (rows from <paramref name="rows"/>, and columns from <paramref name="cols"/>
    /// above that), directly: yt[img][y][x][f] = Σ_taps Σ_ch xn[img][y + i − padTop][x + j − padLeft][ch]·w[f, ch, i, j],
    /// two vectors of output channels at a time (<see cref="StripPixel{TS, TV}"/>), taps outside the input skipped
    /// (zero padding). No bias, no activation (the input gradient has neither). A four-vector variant with the channels
    /// in two halves measured the same on AVX2 (F(4×4)/F(2×2) 0.63–0.66 against 0.64–0.66), so there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strips<TS, TV>(float* xn, int images, in ConvolutionGeometry g, int rows, int cols, float* wt, int outPad, float* yt)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int h = g.InputHeight, w = g.InputWidth, cin = g.InputChannels, oh = g.OutputHeight, ow = g.OutputWidth, kout = g.Filters, lanes = TS.Lanes;
        TV* sum = stackalloc TV[2];
        for (int img = 0; img < images; img++)
        {
            float* xi = xn + (long)img * h * w * cin;
            for (int y = 0; y < oh; y++)
                for (int x = y < rows ? cols : 0; x < ow; x++)
                {
                    float* o = yt + (((long)img * oh + y) * ow + x) * kout;
                    for (int f0 = 0; f0 < kout; f0 += 2 * lanes)
                    {
                        StripPixel<TS, TV>(xi, h, w, cin, y, x, g.PadTop, g.PadLeft, wt, outPad, f0, sum);
                        float* s2 = (float*)sum;
                        for (int f = f0; f < Math.Min(kout, f0 + 2 * lanes); f++) o[f] = s2[f - f0];
                    }
                }
        }
    }

    /// <summary>One output pixel's channels f0 .. f0 + 2·lanes of <see cref="Strips{TS, TV}"/> into sum[0..1]: the input
    /// channels in four quarters, so eight independent sums keep the multiply-adds from waiting on each other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StripPixel<TS, TV>(float* xi, int h, int w, int cin, int y, int x, int padTop, int padLeft, float* wt, int outPad, int f0, TV* sum)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes, q = cin / 4;
        TV a0 = TS.Zero, a1 = TS.Zero, b0 = TS.Zero, b1 = TS.Zero, c0 = TS.Zero, c1 = TS.Zero, d0 = TS.Zero, d1 = TS.Zero;
        for (int i = 0; i < 3; i++)
        {
            int iy = y + i - padTop;
            if ((uint)iy >= (uint)h) continue;
            for (int j = 0; j < 3; j++)
            {
                int ix = x + j - padLeft;
                if ((uint)ix >= (uint)w) continue;
                float* xp = xi + ((long)iy * w + ix) * cin;
                float* wp = wt + (long)(i * 3 + j) * cin * outPad + f0;
                long qs = (long)q * outPad;
                for (int ch = 0; ch < q; ch++, wp += outPad)
                {
                    var xa = TS.LoadBroadcast(xp + ch);
                    a0 = TS.MultiplyAdd(xa, TS.Load(wp), a0);
                    a1 = TS.MultiplyAdd(xa, TS.Load(wp + lanes), a1);
                    var xb = TS.LoadBroadcast(xp + q + ch);
                    b0 = TS.MultiplyAdd(xb, TS.Load(wp + qs), b0);
                    b1 = TS.MultiplyAdd(xb, TS.Load(wp + qs + lanes), b1);
                    var xc = TS.LoadBroadcast(xp + 2 * q + ch);
                    c0 = TS.MultiplyAdd(xc, TS.Load(wp + 2 * qs), c0);
                    c1 = TS.MultiplyAdd(xc, TS.Load(wp + 2 * qs + lanes), c1);
                    var xd = TS.LoadBroadcast(xp + 3 * q + ch);
                    d0 = TS.MultiplyAdd(xd, TS.Load(wp + 3 * qs), d0);
                    d1 = TS.MultiplyAdd(xd, TS.Load(wp + 3 * qs + lanes), d1);
                }
                for (int ch = 4 * q; ch < cin; ch++)
                {
                    var xv = TS.LoadBroadcast(xp + ch);
                    float* wl = wt + ((long)(i * 3 + j) * cin + ch) * outPad + f0;
                    a0 = TS.MultiplyAdd(xv, TS.Load(wl), a0);
                    a1 = TS.MultiplyAdd(xv, TS.Load(wl + lanes), a1);
                }
            }
        }
        sum[0] = TS.Add(TS.Add(a0, b0), TS.Add(c0, d0));
        sum[1] = TS.Add(TS.Add(a1, b1), TS.Add(c1, d1));
    }

    /// <summary>Also for the filter gradient (<see cref="BackwardFilter"/>). NEURALPS_WINOGRAD_FILTER=0 turns it off.</summary>
    public static bool InFilterGradient { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_FILTER") != "0";

    /// <summary>The filter gradient's GEMMs are K × C with the tiles as their inner dimension, so the panel-width
    /// rule of <see cref="Applies"/> (about the forward's tiles × K GEMMs) does not apply; the rest does.</summary>
    public static bool AppliesToBackwardFilter(in ConvolutionGeometry g) =>
        InFilterGradient && Enabled && ConvIm2RowGemm.Choice == ConvLayoutChoice.Auto && (Simd512.IsSupported || Simd256.IsSupported || Simd128.IsSupported)
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1
        && g.InputChannels >= 16 && g.Filters >= 16 && g.Filters <= 4096 && g.OutputHeight >= 2 && g.OutputWidth >= 2
        && (Force || (long)g.Batch * ((g.OutputHeight + 1) / 2) * ((g.OutputWidth + 1) / 2) >= MinTiles);


    /// <summary>Which pass a tile size is chosen for (<see cref="TileFor"/>).</summary>
    internal enum Pass { Forward, BackwardData, BackwardFilter }

    /// <summary>NEURALPS_WINOGRAD_TILE=2, 4 or 6 puts every Winograd convolution on F(2×2), F(4×4) or F(6×6); 0 (unset)
    /// lets <see cref="TileFor"/> choose. Benchmarks and tests set it to compare them.</summary>
    public static int Tile { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_TILE") switch { "2" => 2, "4" => 4, "6" => 6, _ => 0 };

    /// <summary>m of the F(m×m, 3×3) a pass of this geometry runs: <see cref="Tile"/> where set, else F(4×4) where its
    /// GEMMs (36 multiplies per 4×4 tile) do at most 3/4 of F(2×2)'s (16 per 2×2 tile) over the pass's output (the
    /// data gradient's output is the forward's input) and, for the forward and the data gradient, the batch fills at
    /// least one chunk of <see cref="TilesPerChunk"/> tiles: each of their GEMMs packs its whole U_ξ (K × C) for the
    /// chunk's rows, 36 of them per chunk instead of 16. F(4×4)'s transforms cost more per output and its tiles waste
    /// more at the edges, so its time follows the GEMM ratio r only partly. Measured (`bench conv --winograd-tiles`,
    /// one thread, F(4×4)'s time over F(2×2)'s on AVX2 / AVX-512), batch 64: r = 0.56 (outputs 7, 8, 11, 12, 28)
    /// 0.63–0.83; r = 0.73 (13×13, 14×14) 0.83–1.03; r = 0.81 (10×10) forward 1.03–1.13, filter gradient 0.73–0.98;
    /// r = 1 (6×6) 1.12–1.32. Batch 8, forward and data gradient: 392 tiles (28×28) 0.72–0.77; 128 (14×14) 1.04–1.08;
    /// 72 (11×11, 13×13) 0.95–1.10; 32 (7×7) 1.10–1.27; the filter gradient 0.64–0.93 in all four.
    ///
    /// Then F(6×6) instead where the batch has 64 F(6×6) tiles or more, its work (<see cref="Work"/>: 64 per tile, 9 per
    /// strip pixel) is at most 22/25 of the chosen tile's, and that tile is F(4×4) or the pass is the filter gradient.
    /// `bench conv --winograd-tiles --shapes conv-seed2,c32-12-10,c32-8-6` (and `--batch 8 --shapes conv-seed2`), three
    /// interleaved runs each on AVX2 and AVX-512, F(6×6)'s time over F(4×4)'s (one thread: thread CPU time; two: wall
    /// time, with the machine's load at 3–7): seed CNN conv 2 (work 0.79; the input gradient's 13×13 with strips 0.88),
    /// forward one thread 0.86–0.95, two 0.75–1.03 (5 of 6 below 0.95); input gradient 0.91–0.94, two 0.87–1.07 (4 of 6
    /// below 1); filter gradient 0.83–0.97, two 0.85–1.06 (5 of 6 below 1). 12×12 → 10×10, 32 → 32 channels: input
    /// gradient 0.87–1.01 (11 of 12 below 1), filter gradient over F(2×2)'s 0.78–0.85, two threads 0.83–1.06. 8×8 → 6×6:
    /// filter gradient over F(2×2)'s 0.61–0.80 (one 1.04). Not taken where it measured slower or even: batch 8 (32 F(6×6) tiles:
    /// forward 1.07–1.58, input gradient 0.99–1.34, filter gradient 0.93–1.27 of F(4×4)'s); in place of F(2×2) in the
    /// forward (10×10: 0.89–0.96 of F(2×2)'s on one thread but 0.88–1.17 on two; 6×6: 0.80–0.95 on one, 0.97–1.19 on
    /// two); work 0.91 (28×28: 0.97–1.07), 1 (14×14: 1.04–1.13), or more (7×7, the 8×8 input gradient: 1.7–2.0).</summary>
    internal static int TileFor(in ConvolutionGeometry g, Pass pass)
    {
        if (Tile != 0) return Tile;
        int h = pass == Pass.BackwardData ? g.InputHeight : g.OutputHeight, w = pass == Pass.BackwardData ? g.InputWidth : g.OutputWidth;
        long tiles4 = (long)((h + 3) / 4) * ((w + 3) / 4), tiles2 = (long)((h + 1) / 2) * ((w + 1) / 2);
        bool fewer = 4 * 36 * tiles4 <= 3 * 16 * tiles2;
        bool enough = pass == Pass.BackwardFilter || g.Batch * tiles4 >= TilesPerChunk;
        int chosen = fewer && enough ? 4 : 2;
        bool strips = pass == Pass.BackwardData && EdgeStrips;
        long tiles6 = (long)TilesAlong(h, 6, strips) * TilesAlong(w, 6, strips);
        bool replaces = chosen == 4 || pass == Pass.BackwardFilter;
        return replaces && g.Batch * tiles6 >= 64 && 25 * Work(6, h, w, strips) <= 22 * Work(chosen, h, w, strips) ? 6 : chosen;
    }

    /// <summary>Multiplies per channel pair and image of F(m×m) over an h × w output: α² per tile, and 9 per pixel of the
    /// input gradient's edge strips (<see cref="TilesAlong"/>), which replace tiles but run as a direct sum.</summary>
    private static long Work(int m, int h, int w, bool strips)
    {
        int th = TilesAlong(h, m, strips), tw = TilesAlong(w, m, strips), alpha = m + 2;
        long covered = (long)Math.Min(h, th * m) * Math.Min(w, tw * m);
        return (long)alpha * alpha * th * tw + 9 * ((long)h * w - covered);
    }

    /// <summary>Images per chunk: <paramref name="tilesPerChunk"/> tiles' worth, but at least one chunk per thread
    /// (F(4×4)'s 9 tiles per image of the seed CNN would otherwise leave one chunk for a batch of 16).</summary>
    private static int ImagesPerChunk(int tilesPerChunk, int perImage, int batch) =>
        Math.Clamp(tilesPerChunk / perImage, 1, Math.Max(1, batch / ConvParallel.Threads));

    private struct FilterJob
    {
        public float* X, Dy, Partials;
        public long PlaneStride;
        public ConvolutionGeometry G;
        public int ImagesPerChunk, ChunksPerItem, TilesH, TilesW, Tile;
    }

    /// <summary>Tiles per chunk of the filter gradient (the inner dimension of its α² K × C GEMMs).</summary>
    public static int FilterTilesPerChunk { get; set; } = 144;

    /// <summary>Claimed items (runs of chunks with one partial each) per thread in the filter gradient.</summary>
    public static int ItemsPerThread { get; set; } = 2;

    /// <summary>dW (overwritten) of a convolution <see cref="AppliesToBackwardFilter"/> takes, from x and dz (= dy ⊙ act′,
    /// already applied), by the same F(m×m, 3×3): the forward is Y_t = Aᵀ (U ⊙ V_t) A per tile with U = G g Gᵀ, so
    ///   ∂L/∂U = Σ_t (A dY_t Aᵀ) ⊙ V_t,  ∂L/∂g = Gᵀ (∂L/∂U) G,
    /// i.e. α² GEMMs per chunk, dU_ξ[K, C] = Z_ξᵀ · V_ξ (Z_ξ[t][k] = (A dY_t Aᵀ)[ξ], the transformed output
    /// gradient; V_ξ the forward's transformed input tiles), α²·K·C·tiles multiply-adds instead of im2col's
    /// 9·m²·K·C·tiles, and no patch matrix. Outputs of a tile past the image's edge have dY = 0. One partial dU
    /// per item, summed in item order: the result does not depend on which thread took which chunk.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void BackwardFilter(float* x, float* dy, float* dw, in ConvolutionGeometry g)
    {
        switch (TileFor(g, Pass.BackwardFilter))
        {
            case 6: BackwardFilter<WinogradF6>(x, dy, dw, g); break;
            case 4: BackwardFilter<WinogradF4>(x, dy, dw, g); break;
            default: BackwardFilter<WinogradF2>(x, dy, dw, g); break;
        }
    }

    private static void BackwardFilter<TT>(float* x, float* dy, float* dw, in ConvolutionGeometry g) where TT : struct, IWinogradTile
    {
        int c = g.InputChannels, k = g.Filters, m = TT.M, positions = TT.Alpha * TT.Alpha;
        int th = (g.OutputHeight + m - 1) / m, tw = (g.OutputWidth + m - 1) / m, perImage = th * tw;
        int nb = ImagesPerChunk(FilterTilesPerChunk, perImage, g.Batch);
        int chunks = (g.Batch + nb - 1) / nb;
        // Items claimed by the threads: runs of `per` chunks accumulated into one partial (in chunk order), about
        // ItemsPerThread items per thread, so fewer partials to sum than chunks while a descheduled thread's
        // items can still be taken over. The grouping depends on the configured thread count only.
        int per = Math.Max(1, chunks / (ItemsPerThread * ConvParallel.Threads));
        int items = (chunks + per - 1) / per;
        int parts = ConvParallel.PartsFor(items, (long)positions * per * nb * perImage * k * c);
        long stride = PlaneStride(k, c), du = positions * stride;
        var partials = ConvScratch.Partials(items * du);
        fixed (float* pp = partials)
        {
            var job = new FilterJob
            {
                X = x, Dy = dy, Partials = pp, PlaneStride = stride, G = g, ImagesPerChunk = nb, ChunksPerItem = per, TilesH = th, TilesW = tw, Tile = m,
            };
            ConvParallel.ForEachClaimed(items, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(pp, (int)du);
            for (int ch = 1; ch < items; ch++)
                System.Numerics.Tensors.TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + ch * du, (int)du), acc);
            float* taps = Taps(stride);
            if (Simd512.IsSupported) TransformFilterGradient<Simd512, Vector512<float>, TT>(pp, taps, stride);
            else if (Simd256.IsSupported) TransformFilterGradient<Simd256, Vector256<float>, TT>(pp, taps, stride);
            else TransformFilterGradient<Simd128, Vector128<float>, TT>(pp, taps, stride);
            long plane = (long)k * c;
            for (long kc = 0; kc < plane; kc++)
                for (int t = 0; t < 9; t++) dw[kc * 9 + t] = taps[t * stride + kc];
        }
    }

    /// <summary>The nine tap planes of dW = Gᵀ dU G from the α² planes of dU, Lanes filters at a time (the planes'
    /// padding to <paramref name="stride"/> makes every vector whole).</summary>
    private static void TransformFilterGradient<TS, TV, TT>(float* du, float* taps, long stride)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        TV* scratch = stackalloc TV[64];
        for (long kc = 0; kc < stride; kc += TS.Lanes) TT.FilterGradient<TS, TV>(du + kc, taps + kc, stride, scratch);
    }

    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        var j = (FilterJob*)state;
        switch (j->Tile)
        {
            case 6: BackwardFilterPart<WinogradF6>(j, start, end); break;
            case 4: BackwardFilterPart<WinogradF4>(j, start, end); break;
            default: BackwardFilterPart<WinogradF2>(j, start, end); break;
        }
    }

    private static void BackwardFilterPart<TT>(FilterJob* j, int start, int end) where TT : struct, IWinogradTile
    {
        if (Simd512.IsSupported) BackwardFilterPart<Simd512, Vector512<float>, TT>(j, start, end);
        else if (Simd256.IsSupported) BackwardFilterPart<Simd256, Vector256<float>, TT>(j, start, end);
        else BackwardFilterPart<Simd128, Vector128<float>, TT>(j, start, end);
    }

    private static void BackwardFilterPart<TS, TV, TT>(FilterJob* j, int start, int end)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        var g = j->G;
        int c = g.InputChannels, k = g.Filters, nb = j->ImagesPerChunk, perImage = j->TilesH * j->TilesW, positions = TT.Alpha * TT.Alpha;
        long vStride = (long)nb * perImage * c + Slack, zStride = (long)nb * perImage * k + Slack;
        long xnFloats = ((long)nb * g.InputSize + Slack + 15) & ~15L;
        // xn (channels-last input) and dzn (channels-last output gradient) share the staging buffer.
        var stageBuf = ConvScratch.Staging(xnFloats + (long)nb * g.OutputSize + Slack);
        var vBuf = ConvScratch.Columns(positions * vStride);
        var zBuf = ConvScratch.Output(positions * zStride);
        var settings = ConvParallel.SingleThread;
        long planeStride = j->PlaneStride, du = positions * planeStride;
        fixed (float* xn = stageBuf, v = vBuf, z = zBuf)
        {
            float* dzn = xn + xnFloats;
            int chunks = (g.Batch + nb - 1) / nb;
            for (int item = start; item < end; item++)
            {
                float* dst = j->Partials + item * du;
                int first = item * j->ChunksPerItem, last = Math.Min(first + j->ChunksPerItem, chunks);
                for (int chunk = first; chunk < last; chunk++)
                {
                    int n0 = chunk * nb, cnt = Math.Min(nb, g.Batch - n0), tiles = cnt * perImage;
                    ConvIm2RowGemm.ToPixelMajor(j->X + (long)n0 * g.InputSize, cnt, c, g.InputPlane, g.InputSize, xn);
                    TransformInput<TS, TV, TT>(xn, cnt, g, j->TilesH, j->TilesW, v, vStride);
                    ConvIm2RowGemm.ToPixelMajor(j->Dy + (long)n0 * g.OutputSize, cnt, k, g.OutputPlane, g.OutputSize, dzn);
                    TransformGradient<TS, TV, TT>(dzn, cnt, g, j->TilesH, j->TilesW, z, zStride);
                    float beta = chunk == first ? 0f : 1f;
                    for (int xi = 0; xi < positions; xi++)
                        Sgemm.Multiply(true, false, k, c, tiles, 1f, z + xi * zStride, k, v + xi * vStride, c, beta, dst + xi * planeStride, c, default, null, settings);
                }
            }
        }
    }

    /// <summary>Z[ξ][t][k] = (A dY_t Aᵀ)[ξ] for every tile t and filter k, dY_t the tile's m×m channels-last output
    /// gradient (zero past the image's last row/column). A partial last vector of filters spills into the next tile's
    /// row (written after it) or the slack.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformGradient<TS, TV, TT>(float* dzn, int images, in ConvolutionGeometry g, int th, int tw, float* z, long zStride)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, k = g.Filters, lanes = TS.Lanes, m = TT.M;
        TV* scratch = stackalloc TV[64];
        long t = 0, rowStride = (long)ow * k;
        for (int img = 0; img < images; img++)
        {
            float* di = dzn + (long)img * oh * ow * k;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int oy = m * ty, ox = m * tx, rows = Math.Min(m, oh - oy), cols = Math.Min(m, ow - ox);
                    float* p = di + (oy * rowStride + (long)ox * k);
                    float* dst = z + t * k;
                    for (int k0 = 0; k0 < k; k0 += lanes)
                        TT.Gradient<TS, TV>(p + k0, rowStride, k, rows, cols, dst + k0, zStride, scratch);
                }
        }
    }

    private struct Job
    {
        public float* X, U, Bias, Y;
        public float* StripWeights; // the outputs past the last tile row/column are computed directly (null: none)
        public int StripPad;
        public long UStride;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
        public int ImagesPerChunk, TilesH, TilesW, Tile;
        public float* Pooled, XChannelsLast; // ForwardMaxPooled: the pool's output instead of Y; the input kept channels-last
        public int* Argmax;
        public PoolingGeometry P;
    }

    /// <summary>Whether <see cref="ForwardMaxPooled"/> takes this convolution and the max pool <paramref name="p"/> after it: a
    /// training forward <see cref="InTraining"/> allows on a geometry <see cref="Applies"/> takes, a 2×2 stride-2 unpadded pool
    /// over its whole output, and a backward the pooled kernel takes (<see cref="ConvMaxPooledBackward.Applies"/>: the
    /// convolution's own output is then never needed).</summary>
    public static bool AppliesMaxPooled(in ConvolutionGeometry g, in PoolingGeometry p) =>
        InTraining && FusedPool && Applies(g) && ConvMaxPooledBackward.Applies(g, p)
        && p.WindowHeight == 2 && p.WindowWidth == 2 && p.StrideHeight == 2 && p.StrideWidth == 2
        && p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0 && p.OutputHeight >= 1 && p.OutputWidth >= 1
        && g.OutputPlane < (1 << 24);

    /// <summary>Off switch for <see cref="ForwardMaxPooled"/> in training (NEURALPS_WINOGRAD_POOL=0; tests compare both).</summary>
    public static bool FusedPool { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_WINOGRAD_POOL") != "0";

    /// <summary>The training forward of a convolution and the 2×2 max pool after it (see <see cref="AppliesMaxPooled"/>): the
    /// Winograd forward as <see cref="Forward"/>, but each chunk's channels-last output goes through the pool's window
    /// comparison (Pool2d.MaxWindow2x2, a vector of filters at a time) into <paramref name="pooled"/> and
    /// <paramref name="argmax"/> (index in the output plane), bit for bit what the pool gives on the convolution's output,
    /// which is never written (the seed CNN's conv 2: 2 MB per batch of 64, and the pool's pass over it). The input, moved
    /// channels-last for the transforms anyway, is kept in <paramref name="xChannelsLast"/> ([n][pixel][c], batch × input size
    /// floats) for the backward (<see cref="ConvMaxPooledBackward"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void ForwardMaxPooled(float* x, float* w, float* bias, float* pooled, int* argmax, float* xChannelsLast,
        in ConvolutionGeometry g, in PoolingGeometry p, ActivationKind act, float alpha)
    {
        float* taps = TapPlanes(w, g, out long stride);
        var pool = new PooledOutput { Pooled = pooled, Argmax = argmax, XChannelsLast = xChannelsLast, P = p };
        switch (TileFor(g, Pass.Forward))
        {
            case 6: Forward<WinogradF6>(x, taps, stride, bias, null, g, act, alpha, pooled: &pool); break;
            case 4: Forward<WinogradF4>(x, taps, stride, bias, null, g, act, alpha, pooled: &pool); break;
            default: Forward<WinogradF2>(x, taps, stride, bias, null, g, act, alpha, pooled: &pool); break;
        }
    }

    /// <summary>The forward's filters w[k, c, 3, 3] as the nine tap planes <see cref="Taps"/> holds (optimized from the first
    /// call: a tier-0 loop over K·C·9 weights per call showed in the first training steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* TapPlanes(float* w, in ConvolutionGeometry g, out long stride)
    {
        stride = PlaneStride(g.Filters, g.InputChannels);
        long plane = (long)g.Filters * g.InputChannels;
        float* taps = Taps(stride);
        for (long kc = 0; kc < plane; kc++)
            for (int t = 0; t < 9; t++) taps[t * stride + kc] = w[kc * 9 + t];
        return taps;
    }

    private struct PooledOutput
    {
        public float* Pooled, XChannelsLast;
        public int* Argmax;
        public PoolingGeometry P;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha)
    {
        float* taps = TapPlanes(w, g, out long stride);
        switch (TileFor(g, Pass.Forward))
        {
            case 6: Forward<WinogradF6>(x, taps, stride, bias, y, g, act, alpha); break;
            case 4: Forward<WinogradF4>(x, taps, stride, bias, y, g, act, alpha); break;
            default: Forward<WinogradF2>(x, taps, stride, bias, y, g, act, alpha); break;
        }
    }

    /// <summary>The forward from the filters' tap planes (<see cref="Taps"/>).</summary>
    private static void Forward<TT>(float* x, float* taps, long stride, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha,
        bool strips = false, PooledOutput* pooled = null)
        where TT : struct, IWinogradTile
    {
        int c = g.InputChannels, k = g.Filters, m = TT.M, positions = TT.Alpha * TT.Alpha;
        strips &= bias == null && act == ActivationKind.None; // Strips adds neither
        int th = TilesAlong(g.OutputHeight, m, strips), tw = TilesAlong(g.OutputWidth, m, strips), perImage = th * tw;
        strips = th * m < g.OutputHeight || tw * m < g.OutputWidth;
        int outPad = 0;
        float* wt = strips ? StripWeights(taps, stride, g, out outPad) : null;
        int nb = ImagesPerChunk(m == 6 ? F6TilesPerChunk : TilesPerChunk, perImage, g.Batch);
        int chunks = (g.Batch + nb - 1) / nb;
        // Each chunk's work in multiply-adds: α² GEMMs of nb·perImage × K × C.
        int parts = ConvParallel.PartsFor(chunks, (long)positions * nb * perImage * k * c);
        var u = ConvScratch.Weights(positions * stride);
        fixed (float* pu = u)
        {
            if (Simd512.IsSupported) TransformFilters<Simd512, Vector512<float>, TT>(taps, pu, stride);
            else if (Simd256.IsSupported) TransformFilters<Simd256, Vector256<float>, TT>(taps, pu, stride);
            else TransformFilters<Simd128, Vector128<float>, TT>(taps, pu, stride);
            var job = new Job
            {
                X = x, U = pu, UStride = stride, Bias = bias, Y = y, G = g, Activation = act, Alpha = alpha,
                ImagesPerChunk = nb, TilesH = th, TilesW = tw, Tile = m, StripWeights = wt, StripPad = outPad,
            };
            if (pooled != null)
            {
                job.Pooled = pooled->Pooled;
                job.Argmax = pooled->Argmax;
                job.XChannelsLast = pooled->XChannelsLast;
                job.P = pooled->P;
            }
            ConvParallel.ForEachClaimed(chunks, parts, &ForwardPart, &job);
        }
    }

    /// <summary>U[ξ][k][c] = (G w[k, c] Gᵀ)[ξ] from the tap planes, Lanes filters at a time.</summary>
    private static void TransformFilters<TS, TV, TT>(float* taps, float* u, long stride)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        TV* scratch = stackalloc TV[64];
        for (long kc = 0; kc < stride; kc += TS.Lanes) TT.Filter<TS, TV>(taps + kc, u + kc, stride, scratch);
    }

    private static void ForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        switch (j->Tile)
        {
            case 6: ForwardPart<WinogradF6>(j, start, end); break;
            case 4: ForwardPart<WinogradF4>(j, start, end); break;
            default: ForwardPart<WinogradF2>(j, start, end); break;
        }
    }

    private static void ForwardPart<TT>(Job* j, int start, int end) where TT : struct, IWinogradTile
    {
        if (Simd512.IsSupported) ForwardPart<Simd512, Vector512<float>, TT>(j, start, end);
        else if (Simd256.IsSupported) ForwardPart<Simd256, Vector256<float>, TT>(j, start, end);
        else ForwardPart<Simd128, Vector128<float>, TT>(j, start, end);
    }

    private static void ForwardPart<TS, TV, TT>(Job* j, int start, int end)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        var g = j->G;
        int c = g.InputChannels, k = g.Filters, nb = j->ImagesPerChunk, perImage = j->TilesH * j->TilesW, positions = TT.Alpha * TT.Alpha;
        long vStride = (long)nb * perImage * c + Slack, mStride = (long)nb * perImage * k + Slack;
        var xnBuf = ConvScratch.Staging((long)nb * g.InputSize + Slack);
        var vBuf = ConvScratch.Columns(positions * vStride);
        var mBuf = ConvScratch.Output(positions * mStride);
        var ytBuf = ConvScratch.Partials((long)nb * g.OutputSize + Slack);
        var settings = ConvParallel.SingleThread;
        float* bias = stackalloc float[k + 16];
        for (int f = 0; f < k; f++) bias[f] = j->Bias == null ? 0f : j->Bias[f];
        for (int f = k; f < k + 16; f++) bias[f] = 0f;
        fixed (float* xn = xnBuf, v = vBuf, m = mBuf, yt = ytBuf)
        {
            for (int chunk = start; chunk < end; chunk++)
            {
                int n0 = chunk * nb, cnt = Math.Min(nb, g.Batch - n0), tiles = cnt * perImage;
                float* xc = j->XChannelsLast != null ? j->XChannelsLast + (long)n0 * g.InputSize : xn;
                ConvIm2RowGemm.ToPixelMajor(j->X + (long)n0 * g.InputSize, cnt, c, g.InputPlane, g.InputSize, xc);
                TransformInput<TS, TV, TT>(xc, cnt, g, j->TilesH, j->TilesW, v, vStride);
                for (int xi = 0; xi < positions; xi++)
                    Sgemm.Multiply(false, true, tiles, k, c, 1f, v + xi * vStride, c, j->U + xi * j->UStride, c, 0f, m + xi * mStride, k, default, null, settings);
                TransformOutput<TS, TV, TT>(m, mStride, cnt, g, j->TilesH, j->TilesW, bias, j->Activation, j->Alpha, yt);
                if (j->StripWeights != null)
                    Strips<TS, TV>(xc, cnt, g, j->TilesH * TT.M, j->TilesW * TT.M, j->StripWeights, j->StripPad, yt);
                if (j->Pooled != null)
                {
                    long pooledImage = (long)k * j->P.OutputPlane;
                    MaxPoolChannelsLast<TS, TV>(yt, cnt, g, j->P, j->Pooled + n0 * pooledImage, j->Argmax + n0 * pooledImage);
                    continue;
                }
                float* y = j->Y + (long)n0 * g.OutputSize;
                ConvIm2RowGemm.FromPixelMajor(yt, cnt, k, g.OutputPlane, y, g.OutputSize);
                if (j->Activation is not (ActivationKind.None or ActivationKind.ReLU or ActivationKind.LeakyReLU))
                {
                    var span = new Span<float>(y, cnt * g.OutputSize);
                    for (int i = 0; i < span.Length; i++) span[i] = CpuActivations.Apply(j->Activation, span[i], j->Alpha);
                }
            }
        }
    }

    [ThreadStatic] private static float[]? _poolValues, _poolCodes;

    /// <summary>The 2×2 stride-2 max pool of a chunk's channels-last output yt[img][pixel][k], a vector of filters at a time
    /// through the pool's own window comparison (Pool2d.MaxWindow2x2: scan order, NaN wins), into the NCHW pooled output
    /// and argmax (index in the output plane, as Pool2d.MaxForward gives it) via a [window][filter] block per image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPoolChannelsLast<TS, TV>(float* yt, int images, in ConvolutionGeometry g, in PoolingGeometry p, float* pooled, int* argmax)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int k = g.Filters, ow = g.OutputWidth, ph = p.OutputHeight, pw = p.OutputWidth, windows = ph * pw, lanes = TS.Lanes;
        int kp = (k + lanes - 1) / lanes * lanes;
        long block = (long)windows * kp;
        if (_poolValues is null || _poolCodes is null || _poolValues.Length < block) { _poolValues = new float[block]; _poolCodes = new float[block]; }
        var one = TS.Create(1f);
        var wv = TS.Create(ow);
        var w1 = TS.Create(ow + 1);
        fixed (float* values = _poolValues, codes = _poolCodes)
        {
            for (int img = 0; img < images; img++)
            {
                float* yi = yt + (long)img * g.OutputPlane * k;
                for (int py = 0; py < ph; py++)
                    for (int px = 0; px < pw; px++)
                    {
                        int a = 2 * py * ow + 2 * px, q = py * pw + px;
                        float* t00 = yi + (long)a * k, t01 = t00 + k, t10 = t00 + (long)ow * k, t11 = t10 + k;
                        var origin = TS.Create(a);
                        // A last partial vector of filters reads into the next pixel (or the buffer's slack): lanes dropped below.
                        for (int v = 0; v < k; v += lanes)
                        {
                            var best = Pool2d.MaxWindow2x2<TS, TV, C1>(TS.Load(t00 + v), TS.Load(t01 + v), TS.Load(t10 + v), TS.Load(t11 + v), one, wv, w1, out var code);
                            TS.Store(best, values + (long)q * kp + v);
                            TS.Store(TS.Add(origin, code), codes + (long)q * kp + v);
                        }
                    }
                float* po = pooled + (long)img * k * windows;
                int* ao = argmax + (long)img * k * windows;
                for (int f = 0; f < k; f++)
                    for (int q = 0; q < windows; q++)
                    {
                        po[(long)f * windows + q] = values[(long)q * kp + f];
                        ao[(long)f * windows + q] = (int)codes[(long)q * kp + f];
                    }
            }
        }
    }

    /// <summary>V[ξ][t][c] = (Bᵀ d B)[ξ] for every tile t (image, tile row, tile column) and channel c, d the α×α
    /// channels-last patch at (m·ty − padTop, m·tx − padLeft), zero outside the image. A partial last vector of
    /// channels spills into the next tile's row (written after it) or the slack.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformInput<TS, TV, TT>(float* xn, int images, in ConvolutionGeometry g, int th, int tw, float* v, long vStride)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        int h = g.InputHeight, w = g.InputWidth, c = g.InputChannels, lanes = TS.Lanes, m = TT.M, alpha = TT.Alpha;
        float** p = stackalloc float*[64];
        TV* scratch = stackalloc TV[64];
        long t = 0;
        for (int img = 0; img < images; img++)
        {
            float* xi = xn + (long)img * h * w * c;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int y0 = m * ty - g.PadTop, x0 = m * tx - g.PadLeft;
                    for (int i = 0; i < alpha; i++)
                        for (int jj = 0; jj < alpha; jj++)
                        {
                            int iy = y0 + i, ix = x0 + jj;
                            p[alpha * i + jj] = (uint)iy < (uint)h && (uint)ix < (uint)w ? xi + ((long)iy * w + ix) * c : null;
                        }
                    float* dst = v + t * c;
                    for (int c0 = 0; c0 < c; c0 += lanes)
                        TT.Input<TS, TV>(p, c0, dst + c0, vStride, scratch);
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV L<TS, TV>(float* p, int c0) where TS : struct, ISimd<TV> where TV : unmanaged =>
        p == null ? TS.Zero : TS.Load(p + c0);

    /// <summary>What <see cref="Emit{TS, TV}"/> does to each output vector: the filters' bias, the fused (leaky) ReLU,
    /// and how many of the lanes are real filters (a partial last vector goes through Tail, no spill into another pixel).</summary>
    internal struct Epilogue<TV> where TV : unmanaged
    {
        public TV Bias, Slope;
        public bool Relu;
        public int Count;
        public float* Tail;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Emit<TS, TV>(TV y, in Epilogue<TV> e, float* d) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        y = TS.Add(y, e.Bias);
        if (e.Relu) y = TS.Select(TS.GreaterThan(y, TS.Zero), y, TS.Multiply(y, e.Slope));
        if (e.Count == TS.Lanes) { TS.Store(y, d); return; }
        TS.Store(y, e.Tail);
        for (int i = 0; i < e.Count; i++) d[i] = e.Tail[i];
    }

    /// <summary>yt[img][oy][ox][k] = act(bias[k] + (Aᵀ M A)) over the α² positions M[·][t][k]; outputs of a tile past
    /// the image's last row/column are dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformOutput<TS, TV, TT>(float* mm, long mStride, int images, in ConvolutionGeometry g, int th, int tw,
        float* bias, ActivationKind act, float alpha, float* yt)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, k = g.Filters, lanes = TS.Lanes, m = TT.M;
        float* tail = stackalloc float[16];
        TV* scratch = stackalloc TV[64];
        var e = new Epilogue<TV>
        {
            Relu = act is ActivationKind.ReLU or ActivationKind.LeakyReLU,
            Slope = TS.Create(act == ActivationKind.LeakyReLU ? alpha : 0f),
            Tail = tail,
        };
        long t = 0, rowStride = (long)ow * k;
        for (int img = 0; img < images; img++)
        {
            float* yi = yt + (long)img * oh * ow * k;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int oy = m * ty, ox = m * tx, rows = Math.Min(m, oh - oy), cols = Math.Min(m, ow - ox);
                    float* src = mm + t * k, d = yi + (oy * rowStride + (long)ox * k);
                    for (int k0 = 0; k0 < k; k0 += lanes)
                    {
                        e.Bias = TS.Load(bias + k0);
                        e.Count = Math.Min(lanes, k - k0);
                        TT.Output<TS, TV>(src + k0, mStride, e, d + k0, rowStride, k, rows, cols, scratch);
                    }
                }
        }
    }
}
