using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Forward 3×3 convolution (stride 1, dilation 1, one group, any padding) by Winograd's minimal
/// filtering F(2×2, 3×3) (Lavin &amp; Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// Each 2×2 block of outputs ("tile") is computed from the 4×4 input patch d around it as
///   Y = Aᵀ [ Σ_c (G g_kc Gᵀ) ⊙ (Bᵀ d_c B) ] A,
/// so the 36 multiply-adds per output of a direct 3×3 convolution over all channels become 16 per tile
/// of 4 outputs (2.25× fewer) done as 16 independent GEMMs, one per position ξ of the 4×4 transformed tile:
///   M_ξ[T, K] = V_ξ[T, C] · U_ξᵀ   (U_ξ[K, C] = transformed filters, V_ξ = transformed input tiles).
/// As in <see cref="ConvIm2RowGemm"/>, the big operand (V, tiles × channels) is the GEMM's A, read in place,
/// and the small filter matrix is the packed B. Input and output are moved channels-last with the
/// register-tile transposes so that every transform runs over Lanes channels (filters) at a time, written
/// once over <see cref="ISimd{TV}"/> for every vector width.
///
/// Arithmetic: G holds halves (exact in binary), Bᵀ and Aᵀ only ±1, so F(2×2, 3×3) adds rounding
/// comparable to a different summation order (measured against the direct float64 sum in the tests).
/// Used for the forward (inference and training, <see cref="InTraining"/>) and for the input gradient
/// (<see cref="BackwardData"/>); the filter gradient stays on the im2col/im2row GEMM.</summary>
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

    /// <summary>Tiles per chunk: 16 GEMMs of this many rows; V and M of a chunk stay in L2.</summary>
    public static int TilesPerChunk { get; set; } = 144;

    /// <summary>Fewer tiles in the whole batch than this and the GEMM paths are used: the filter transform
    /// (per call) and sixteen small GEMMs cost more than they save (seed CNN, batch 1: 212 µs vs 90 µs).</summary>
    public static int MinTiles { get; set; } = 256;

    private const int Slack = 32;

    public static bool Applies(in ConvolutionGeometry g) =>
        Enabled && ConvIm2RowGemm.Choice == ConvLayoutChoice.Auto && (Simd512.IsSupported || Simd256.IsSupported || Simd128.IsSupported)
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1
        && g.InputChannels >= 16 && g.Filters >= 16 && g.Filters <= 4096 && g.OutputHeight >= 2 && g.OutputWidth >= 2
        && (Force || ((long)g.Batch * ((g.OutputHeight + 1) / 2) * ((g.OutputWidth + 1) / 2) >= MinTiles
                      && g.Filters >= SgemmDriver.PanelWidth(SgemmBlocking.Path)));

    /// <summary>Tests: take every geometry the kernel can compute, ignoring the speed rules (<see cref="MinTiles"/>, and
    /// at least one full SGEMM panel of filters: with 32 filters against AVX-512's 64-wide panels the input
    /// gradient of the seed CNN's second conv measured ~10% slower than the classic path, 40% faster on AVX2).</summary>
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

    [ThreadStatic] private static float[]? _flipped;

    /// <summary>dx (overwritten) from dy and the forward's weights; see <see cref="AppliesToBackwardData"/>.</summary>
    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        int k = g.Filters, c = g.InputChannels;
        long size = 9L * k * c;
        if (_flipped is null || _flipped.LongLength < size) _flipped = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
        fixed (float* wf = _flipped)
        {
            for (int f = 0; f < k; f++)
                for (int ch = 0; ch < c; ch++)
                {
                    float* s = w + ((long)f * c + ch) * 9, d = wf + ((long)ch * k + f) * 9;
                    for (int t = 0; t < 9; t++) d[t] = s[8 - t];
                }
            Forward(dy, wf, null, dx, DataGeometry(g), ActivationKind.None, 0f);
        }
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

    private struct FilterJob
    {
        public float* X, Dy, Partials;
        public ConvolutionGeometry G;
        public int ImagesPerChunk, ChunksPerItem, TilesH, TilesW;
    }

    /// <summary>Tiles per chunk of the filter gradient (the inner dimension of its 16 K × C GEMMs).</summary>
    public static int FilterTilesPerChunk { get; set; } = 144;

    /// <summary>Claimed items (runs of chunks with one partial each) per thread in the filter gradient.</summary>
    public static int ItemsPerThread { get; set; } = 2;

    /// <summary>dW (overwritten) of a convolution <see cref="AppliesToBackwardFilter"/> takes, from x and dz (= dy ⊙ act′,
    /// already applied), by the same F(2×2, 3×3): the forward is Y_t = Aᵀ (U ⊙ V_t) A per tile with U = G g Gᵀ, so
    ///   ∂L/∂U = Σ_t (A dY_t Aᵀ) ⊙ V_t,  ∂L/∂g = Gᵀ (∂L/∂U) G,
    /// i.e. 16 GEMMs per chunk, dU_ξ[K, C] = Z_ξᵀ · V_ξ (Z_ξ[t][k] = (A dY_t Aᵀ)[ξ], the transformed output
    /// gradient; V_ξ the forward's transformed input tiles), 16·K·C·tiles multiply-adds instead of im2col's
    /// 36·K·C·tiles, and no patch matrix. Outputs of a tile past the image's edge have dY = 0. One partial dU
    /// per chunk, summed in chunk order: the result does not depend on which thread took which chunk.</summary>
    public static void BackwardFilter(float* x, float* dy, float* dw, in ConvolutionGeometry g)
    {
        int c = g.InputChannels, k = g.Filters;
        int th = (g.OutputHeight + 1) / 2, tw = (g.OutputWidth + 1) / 2, perImage = th * tw;
        int nb = Math.Clamp(FilterTilesPerChunk / perImage, 1, g.Batch);
        int chunks = (g.Batch + nb - 1) / nb;
        // Items claimed by the threads: runs of `per` chunks accumulated into one partial (in chunk order), about
        // ItemsPerThread items per thread, so fewer partials to sum than chunks while a descheduled thread's
        // items can still be taken over. The grouping depends on the configured thread count only.
        int per = Math.Max(1, chunks / (ItemsPerThread * ConvParallel.Threads));
        int items = (chunks + per - 1) / per;
        int parts = ConvParallel.PartsFor(items, 16L * per * nb * perImage * k * c);
        long du = 16L * k * c;
        var partials = ConvScratch.Partials(items * du);
        fixed (float* pp = partials)
        {
            var job = new FilterJob { X = x, Dy = dy, Partials = pp, G = g, ImagesPerChunk = nb, ChunksPerItem = per, TilesH = th, TilesW = tw };
            ConvParallel.ForEachClaimed(items, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(pp, (int)du);
            for (int ch = 1; ch < items; ch++)
                System.Numerics.Tensors.TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + ch * du, (int)du), acc);
            TransformFilterGradient(pp, dw, k, c);
        }
    }

    /// <summary>dW[k, c] = Gᵀ dU[·][k][c] G (3×3 from the 4×4 positions ξ = 4i + j).</summary>
    private static void TransformFilterGradient(float* du, float* dw, int filters, int channels)
    {
        long plane = (long)filters * channels;
        var t = stackalloc float[12];
        for (int kc = 0; kc < plane; kc++)
        {
            float* s = du + kc;
            for (int j = 0; j < 4; j++)
            {
                float u0 = s[j * plane], u1 = s[(4 + j) * plane], u2 = s[(8 + j) * plane], u3 = s[(12 + j) * plane];
                t[j] = u0 + 0.5f * (u1 + u2);
                t[4 + j] = 0.5f * (u1 - u2);
                t[8 + j] = 0.5f * (u1 + u2) + u3;
            }
            float* d = dw + (long)kc * 9;
            for (int r = 0; r < 3; r++)
            {
                float a = t[4 * r], b = t[4 * r + 1], e = t[4 * r + 2], f = t[4 * r + 3];
                d[3 * r] = a + 0.5f * (b + e);
                d[3 * r + 1] = 0.5f * (b - e);
                d[3 * r + 2] = 0.5f * (b + e) + f;
            }
        }
    }

    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) BackwardFilterPart<Simd512, Vector512<float>>((FilterJob*)state, start, end);
        else if (Simd256.IsSupported) BackwardFilterPart<Simd256, Vector256<float>>((FilterJob*)state, start, end);
        else BackwardFilterPart<Simd128, Vector128<float>>((FilterJob*)state, start, end);
    }

    private static void BackwardFilterPart<TS, TV>(FilterJob* j, int start, int end) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var g = j->G;
        int c = g.InputChannels, k = g.Filters, nb = j->ImagesPerChunk, perImage = j->TilesH * j->TilesW;
        long vStride = (long)nb * perImage * c + Slack, zStride = (long)nb * perImage * k + Slack;
        long xnFloats = ((long)nb * g.InputSize + Slack + 15) & ~15L;
        // xn (channels-last input) and dzn (channels-last output gradient) share the staging buffer.
        var stageBuf = ConvScratch.Staging(xnFloats + (long)nb * g.OutputSize + Slack);
        var vBuf = ConvScratch.Columns(16 * vStride);
        var zBuf = ConvScratch.Output(16 * zStride);
        var settings = ConvParallel.SingleThread;
        long du = 16L * k * c;
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
                    TransformInput<TS, TV>(xn, cnt, g, j->TilesH, j->TilesW, v, vStride);
                    ConvIm2RowGemm.ToPixelMajor(j->Dy + (long)n0 * g.OutputSize, cnt, k, g.OutputPlane, g.OutputSize, dzn);
                    TransformGradient<TS, TV>(dzn, cnt, g, j->TilesH, j->TilesW, z, zStride);
                    float beta = chunk == first ? 0f : 1f;
                    for (int xi = 0; xi < 16; xi++)
                        Sgemm.Multiply(true, false, k, c, tiles, 1f, z + xi * zStride, k, v + xi * vStride, c, beta, dst + xi * (long)k * c, c, default, null, settings);
                }
            }
        }
    }

    /// <summary>Z[ξ][t][k] = (A dY_t Aᵀ)[ξ] for every tile t and filter k, A = [[1, 0], [1, 1], [1, −1], [0, −1]] and dY_t
    /// the tile's 2×2 channels-last output gradient (zero past the image's last row/column). A partial last vector
    /// of filters spills into the next tile's row (written after it) or the slack.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformGradient<TS, TV>(float* dzn, int images, in ConvolutionGeometry g, int th, int tw, float* z, long zStride)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, k = g.Filters, lanes = TS.Lanes;
        long t = 0;
        for (int img = 0; img < images; img++)
        {
            float* di = dzn + (long)img * oh * ow * k;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int oy = 2 * ty, ox = 2 * tx;
                    bool right = ox + 1 < ow, below = oy + 1 < oh;
                    float* p00 = di + ((long)oy * ow + ox) * k;
                    float* p01 = right ? p00 + k : null;
                    float* p10 = below ? p00 + (long)ow * k : null;
                    float* p11 = right && below ? p00 + (long)ow * k + k : null;
                    float* dst = z + t * k;
                    for (int k0 = 0; k0 < k; k0 += lanes)
                    {
                        TV a = TS.Load(p00 + k0), b = L<TS, TV>(p01, k0), cc = L<TS, TV>(p10, k0), d = L<TS, TV>(p11, k0);
                        float* o = dst + k0;
                        // rows of A dY: [a, b], [a + c, b + d], [a − c, b − d], [−c, −d]; each row [p, q] → [p, p + q, p − q, −q]
                        GradRow<TS, TV>(a, b, o, zStride, 0);
                        GradRow<TS, TV>(TS.Add(a, cc), TS.Add(b, d), o, zStride, 4);
                        GradRow<TS, TV>(TS.Subtract(a, cc), TS.Subtract(b, d), o, zStride, 8);
                        GradRow<TS, TV>(TS.Subtract(TS.Zero, cc), TS.Subtract(TS.Zero, d), o, zStride, 12);
                    }
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradRow<TS, TV>(TV p, TV q, float* o, long stride, int xi0) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TS.Store(p, o + xi0 * stride);
        TS.Store(TS.Add(p, q), o + (xi0 + 1) * stride);
        TS.Store(TS.Subtract(p, q), o + (xi0 + 2) * stride);
        TS.Store(TS.Subtract(TS.Zero, q), o + (xi0 + 3) * stride);
    }

    private struct Job
    {
        public float* X, U, Bias, Y;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
        public int ImagesPerChunk, TilesH, TilesW;
    }

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha)
    {
        int c = g.InputChannels, k = g.Filters;
        int th = (g.OutputHeight + 1) / 2, tw = (g.OutputWidth + 1) / 2, perImage = th * tw;
        int nb = Math.Clamp(TilesPerChunk / perImage, 1, g.Batch);
        int chunks = (g.Batch + nb - 1) / nb;
        // Each chunk's work in multiply-adds: 16 GEMMs of nb·perImage × K × C.
        int parts = ConvParallel.PartsFor(chunks, 16L * nb * perImage * k * c);
        var u = ConvScratch.Weights(16L * k * c);
        fixed (float* pu = u)
        {
            TransformFilters(w, pu, k, c);
            var job = new Job
            {
                X = x, U = pu, Bias = bias, Y = y, G = g, Activation = act, Alpha = alpha,
                ImagesPerChunk = nb, TilesH = th, TilesW = tw,
            };
            ConvParallel.ForEachClaimed(chunks, parts, &ForwardPart, &job);
        }
    }

    /// <summary>U[ξ][k][c] = (G g Gᵀ)[ξ] with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]], g = w[k, c] (3×3).</summary>
    private static void TransformFilters(float* w, float* u, int filters, int channels)
    {
        long plane = (long)filters * channels;
        var t = stackalloc float[12];
        for (int k = 0; k < filters; k++)
            for (int c = 0; c < channels; c++)
            {
                float* g = w + ((long)k * channels + c) * 9;
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    t[j] = g0;
                    t[3 + j] = 0.5f * (g0 + g1 + g2);
                    t[6 + j] = 0.5f * (g0 - g1 + g2);
                    t[9 + j] = g2;
                }
                float* d = u + (long)k * channels + c;
                for (int i = 0; i < 4; i++)
                {
                    float a = t[3 * i], b = t[3 * i + 1], e = t[3 * i + 2];
                    d[(4 * i + 0) * plane] = a;
                    d[(4 * i + 1) * plane] = 0.5f * (a + b + e);
                    d[(4 * i + 2) * plane] = 0.5f * (a - b + e);
                    d[(4 * i + 3) * plane] = e;
                }
            }
    }

    private static void ForwardPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) ForwardPart<Simd512, Vector512<float>>((Job*)state, start, end);
        else if (Simd256.IsSupported) ForwardPart<Simd256, Vector256<float>>((Job*)state, start, end);
        else ForwardPart<Simd128, Vector128<float>>((Job*)state, start, end);
    }

    private static void ForwardPart<TS, TV>(Job* j, int start, int end) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var g = j->G;
        int c = g.InputChannels, k = g.Filters, nb = j->ImagesPerChunk, perImage = j->TilesH * j->TilesW;
        long vStride = (long)nb * perImage * c + Slack, mStride = (long)nb * perImage * k + Slack;
        var xnBuf = ConvScratch.Staging((long)nb * g.InputSize + Slack);
        var vBuf = ConvScratch.Columns(16 * vStride);
        var mBuf = ConvScratch.Output(16 * mStride);
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
                ConvIm2RowGemm.ToPixelMajor(j->X + (long)n0 * g.InputSize, cnt, c, g.InputPlane, g.InputSize, xn);
                TransformInput<TS, TV>(xn, cnt, g, j->TilesH, j->TilesW, v, vStride);
                for (int xi = 0; xi < 16; xi++)
                    Sgemm.Multiply(false, true, tiles, k, c, 1f, v + xi * vStride, c, j->U + (long)xi * k * c, c, 0f, m + xi * mStride, k, default, null, settings);
                TransformOutput<TS, TV>(m, mStride, cnt, g, j->TilesH, j->TilesW, bias, j->Activation, j->Alpha, yt);
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

    /// <summary>V[ξ][t][c] = (Bᵀ d B)[ξ] for every tile t (image, tile row, tile column) and channel c, with
    /// Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]] and d the 4×4 channels-last patch at
    /// (2·ty − padTop, 2·tx − padLeft), zero outside the image. A partial last vector of channels spills into
    /// the next tile's row (written after it) or the slack.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformInput<TS, TV>(float* xn, int images, in ConvolutionGeometry g, int th, int tw, float* v, long vStride)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int h = g.InputHeight, w = g.InputWidth, c = g.InputChannels, lanes = TS.Lanes;
        float** p = stackalloc float*[16];
        long t = 0;
        for (int img = 0; img < images; img++)
        {
            float* xi = xn + (long)img * h * w * c;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int y0 = 2 * ty - g.PadTop, x0 = 2 * tx - g.PadLeft;
                    for (int i = 0; i < 4; i++)
                        for (int jj = 0; jj < 4; jj++)
                        {
                            int iy = y0 + i, ix = x0 + jj;
                            p[4 * i + jj] = (uint)iy < (uint)h && (uint)ix < (uint)w ? xi + ((long)iy * w + ix) * c : null;
                        }
                    float* dst = v + t * c;
                    for (int c0 = 0; c0 < c; c0 += lanes)
                    {
                        // rows of Bᵀ d, column by column
                        TV r00 = L<TS, TV>(p[0], c0), r01 = L<TS, TV>(p[1], c0), r02 = L<TS, TV>(p[2], c0), r03 = L<TS, TV>(p[3], c0);
                        TV r10 = L<TS, TV>(p[4], c0), r11 = L<TS, TV>(p[5], c0), r12 = L<TS, TV>(p[6], c0), r13 = L<TS, TV>(p[7], c0);
                        TV r20 = L<TS, TV>(p[8], c0), r21 = L<TS, TV>(p[9], c0), r22 = L<TS, TV>(p[10], c0), r23 = L<TS, TV>(p[11], c0);
                        TV r30 = L<TS, TV>(p[12], c0), r31 = L<TS, TV>(p[13], c0), r32 = L<TS, TV>(p[14], c0), r33 = L<TS, TV>(p[15], c0);
                        TV a0 = TS.Subtract(r00, r20), a1 = TS.Subtract(r01, r21), a2 = TS.Subtract(r02, r22), a3 = TS.Subtract(r03, r23);
                        TV b0 = TS.Add(r10, r20), b1 = TS.Add(r11, r21), b2 = TS.Add(r12, r22), b3 = TS.Add(r13, r23);
                        TV e0 = TS.Subtract(r20, r10), e1 = TS.Subtract(r21, r11), e2 = TS.Subtract(r22, r12), e3 = TS.Subtract(r23, r13);
                        TV f0 = TS.Subtract(r10, r30), f1 = TS.Subtract(r11, r31), f2 = TS.Subtract(r12, r32), f3 = TS.Subtract(r13, r33);
                        float* o = dst + c0;
                        Row<TS, TV>(a0, a1, a2, a3, o, vStride, 0);
                        Row<TS, TV>(b0, b1, b2, b3, o, vStride, 4);
                        Row<TS, TV>(e0, e1, e2, e3, o, vStride, 8);
                        Row<TS, TV>(f0, f1, f2, f3, o, vStride, 12);
                    }
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV L<TS, TV>(float* p, int c0) where TS : struct, ISimd<TV> where TV : unmanaged =>
        p == null ? TS.Zero : TS.Load(p + c0);

    /// <summary>One row of (Bᵀ d) B: [x0 − x2, x1 + x2, x2 − x1, x1 − x3] into V[ξ0 .. ξ0 + 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TS, TV>(TV x0, TV x1, TV x2, TV x3, float* o, long stride, int xi0) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TS.Store(TS.Subtract(x0, x2), o + xi0 * stride);
        TS.Store(TS.Add(x1, x2), o + (xi0 + 1) * stride);
        TS.Store(TS.Subtract(x2, x1), o + (xi0 + 2) * stride);
        TS.Store(TS.Subtract(x1, x3), o + (xi0 + 3) * stride);
    }

    /// <summary>yt[img][oy][ox][k] = act(bias[k] + (Aᵀ m A)), Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], m = M[·][t][k]
    /// over the 16 positions; outputs of a tile past the image's last row/column are dropped; a partial
    /// last vector of filters is stored through a buffer (no spill into another pixel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput<TS, TV>(float* m, long mStride, int images, in ConvolutionGeometry g, int th, int tw,
        float* bias, ActivationKind act, float alpha, float* yt)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, k = g.Filters, lanes = TS.Lanes;
        bool relu = act is ActivationKind.ReLU or ActivationKind.LeakyReLU;
        var slope = TS.Create(act == ActivationKind.LeakyReLU ? alpha : 0f);
        float* tail = stackalloc float[16];
        long t = 0;
        for (int img = 0; img < images; img++)
        {
            float* yi = yt + (long)img * oh * ow * k;
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, t++)
                {
                    int oy = 2 * ty, ox = 2 * tx;
                    bool right = ox + 1 < ow, below = oy + 1 < oh;
                    float* src = m + t * k;
                    for (int k0 = 0; k0 < k; k0 += lanes)
                    {
                        float* s = src + k0;
                        // Aᵀ m: two rows of four
                        TV m0 = TS.Load(s), m1 = TS.Load(s + mStride), m2 = TS.Load(s + 2 * mStride), m3 = TS.Load(s + 3 * mStride);
                        TV m4 = TS.Load(s + 4 * mStride), m5 = TS.Load(s + 5 * mStride), m6 = TS.Load(s + 6 * mStride), m7 = TS.Load(s + 7 * mStride);
                        TV m8 = TS.Load(s + 8 * mStride), m9 = TS.Load(s + 9 * mStride), m10 = TS.Load(s + 10 * mStride), m11 = TS.Load(s + 11 * mStride);
                        TV m12 = TS.Load(s + 12 * mStride), m13 = TS.Load(s + 13 * mStride), m14 = TS.Load(s + 14 * mStride), m15 = TS.Load(s + 15 * mStride);
                        TV u0 = TS.Add(TS.Add(m0, m4), m8), u1 = TS.Add(TS.Add(m1, m5), m9), u2 = TS.Add(TS.Add(m2, m6), m10), u3 = TS.Add(TS.Add(m3, m7), m11);
                        TV w0 = TS.Subtract(TS.Subtract(m4, m8), m12), w1 = TS.Subtract(TS.Subtract(m5, m9), m13);
                        TV w2 = TS.Subtract(TS.Subtract(m6, m10), m14), w3 = TS.Subtract(TS.Subtract(m7, m11), m15);
                        TV b = TS.Load(bias + k0);
                        TV y00 = TS.Add(TS.Add(TS.Add(u0, u1), u2), b), y01 = TS.Add(TS.Subtract(TS.Subtract(u1, u2), u3), b);
                        TV y10 = TS.Add(TS.Add(TS.Add(w0, w1), w2), b), y11 = TS.Add(TS.Subtract(TS.Subtract(w1, w2), w3), b);
                        if (relu)
                        {
                            y00 = TS.Select(TS.GreaterThan(y00, TS.Zero), y00, TS.Multiply(y00, slope));
                            y01 = TS.Select(TS.GreaterThan(y01, TS.Zero), y01, TS.Multiply(y01, slope));
                            y10 = TS.Select(TS.GreaterThan(y10, TS.Zero), y10, TS.Multiply(y10, slope));
                            y11 = TS.Select(TS.GreaterThan(y11, TS.Zero), y11, TS.Multiply(y11, slope));
                        }
                        int n = Math.Min(lanes, k - k0);
                        float* d = yi + ((long)oy * ow + ox) * k + k0;
                        Put<TS, TV>(y00, d, n, tail);
                        if (right) Put<TS, TV>(y01, d + k, n, tail);
                        if (below)
                        {
                            Put<TS, TV>(y10, d + (long)ow * k, n, tail);
                            if (right) Put<TS, TV>(y11, d + (long)ow * k + k, n, tail);
                        }
                    }
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TS, TV>(TV value, float* d, int n, float* tail) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        if (n == TS.Lanes) { TS.Store(value, d); return; }
        TS.Store(value, tail);
        for (int i = 0; i < n; i++) d[i] = tail[i];
    }
}
