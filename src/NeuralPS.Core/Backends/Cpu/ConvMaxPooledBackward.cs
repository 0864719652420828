using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The backward of a convolution whose output goes through a ReLU (or LeakyReLU with a slope ≥ 0, or no
/// activation) into a max pool with non-overlapping windows: dW, dBias and dx straight from the pool's output gradient,
/// its output and its argmax, without the pool's backward and without the dense output gradient dz.
///
/// Why: the max pool sends each window's gradient to its one winner, so dz is zero at all other positions (a 2×2 pool:
/// at least 3 in 4; the seed CNN's conv 2, 11×11 pooled to 5×5: 96 of 121), and the ReLU zeroes more (a pooled value
/// ≤ 0). The dense backward (the pool's scatter, then Winograd or GEMM filter and data gradients over all of dz) does
/// all that work on zeros. Here each non-zero dz value s = dz[n, k, a] (a = the window's argmax) is used once:
///   dx[n, c, a + t]  += s · w[k, c, t]     for every tap t and channel c   (a scatter of one filter, channels-last)
///   dW[k, c, t]     += s · x[n, c, a + t]                                   (a gather of one input patch)
///   dBias[k]        += s
/// i.e. (C·taps) multiply-adds per non-zero instead of per output position, and no transform, no GEMM packing.
///
/// Layout: x and dx channels-last with the convolution's zero padding built in ([n][y][x][c], the border zero), so
/// every tap is in bounds and a channel vector is one load; the filters as [k][tap][c]. dx: images split over the
/// threads, one channels-last image in L1/L2 per thread, summed in the order k, window, tap, then transposed back.
/// dW: filters split over the threads (each filter's sums stay in one thread, in the order image, window), 3 taps × up
/// to 4 channel vectors in registers. So the results do not depend on the thread count. Exact zeros of dz are skipped
/// (their products 0·x are zero for finite x; non-finite inputs make a non-finite loss, which training stops on).
/// Sums run in another order than the dense paths (and without Winograd's transforms): equal to rounding.</summary>
internal static unsafe class ConvMaxPooledBackward
{
    /// <summary>Off switch (NEURALPS_POOLED_BACKWARD=0; tests compare with the dense backward).</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_POOLED_BACKWARD") != "0";

    private static int Lanes => Simd512.IsSupported ? 16 : Simd256.IsSupported ? 8 : Simd128.IsSupported ? 4 : 0;

    /// <summary>Whether this kernel takes the convolution <paramref name="g"/> under the max pool <paramref name="p"/>:
    /// one group, channels a multiple of 16 (whole vectors at every width), non-overlapping windows of at least 2 positions
    /// (so that at least half of dz is zero), the pool reading the convolution's output.</summary>
    public static bool Applies(in ConvolutionGeometry g, in PoolingGeometry p) =>
        Enabled && Lanes > 0 && g.Groups == 1 && g.InputChannels % 16 == 0 && g.Batch > 0
        && p.StrideHeight >= p.WindowHeight && p.StrideWidth >= p.WindowWidth && p.WindowHeight * p.WindowWidth >= 2
        && p.Batch == g.Batch && p.Channels == g.Filters && p.InputHeight == g.OutputHeight && p.InputWidth == g.OutputWidth
        && (long)g.Batch * g.InputSize < int.MaxValue && (long)g.KernelArea * g.InputChannels * g.Filters < int.MaxValue;

    private struct Job
    {
        public float* X, Y, Dy, W, Dw, DBias, Dx, XPadded, WTaps, Masked, XChannelsLast;
        public int* Argmax, TapOffsets, LocalOf;
        public long* OriginOf;
        public ConvolutionGeometry G;
        public PoolingGeometry P;
        public float Slope;
        public bool Mask; // ReLU family: dz = y > 0 ? dy : slope·dy; no activation: dz = dy
        public int PaddedHeight, PaddedWidth, WindowArea;
    }

    [ThreadStatic] private static long[]? _originOf;
    [ThreadStatic] private static int[]? _localOf;

    /// <summary>dW and dBias (each when not null: a frozen layer has neither) and dx (when not null) of the convolution;
    /// see the class summary.
    /// <paramref name="y"/>, <paramref name="dy"/>, <paramref name="argmax"/>: the pool's output, output gradient and
    /// argmax (index in the convolution's output plane). <paramref name="mask"/>: the activation is ReLU / LeakyReLU
    /// (<paramref name="slope"/>), read from the pooled value's sign; false: none.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* x, float* w, float* y, float* dy, int* argmax, float* dw, float* dbias, float* dx,
        in ConvolutionGeometry g, in PoolingGeometry p, bool mask, float slope, float* xChannelsLast = null)
    {
        int c = g.InputChannels, taps = g.KernelArea;
        int hp = g.InputHeight + g.PadTop + g.PadBottom, wp = g.InputWidth + g.PadLeft + g.PadRight;
        // The padded input also takes the taps of the last output row/column when the stride leaves input unread.
        hp = Math.Max(hp, (g.OutputHeight - 1) * g.StrideHeight + (g.KernelHeight - 1) * g.DilationHeight + 1);
        wp = Math.Max(wp, (g.OutputWidth - 1) * g.StrideWidth + (g.KernelWidth - 1) * g.DilationWidth + 1);
        long imageFloats = (long)hp * wp * c;
        // The padded channels-last input; without padding the forward's channels-last copy, when it kept one, is that already.
        bool padded = hp != g.InputHeight || wp != g.InputWidth;
        var xBuffer = ConvScratch.Columns(xChannelsLast != null && !padded ? 64 : g.Batch * imageFloats + 64);
        var wBuffer = ConvScratch.Weights((long)g.Filters * taps * c + 64);
        var maskedBuffer = ConvScratch.Output((long)g.Batch * g.Filters * p.OutputPlane + 64);
        int* offsets = stackalloc int[taps];
        for (int i = 0; i < g.KernelHeight; i++)
            for (int j = 0; j < g.KernelWidth; j++)
                offsets[i * g.KernelWidth + j] = (i * g.DilationHeight * wp + j * g.DilationWidth) * c;
        // Per output position a: its top-left tap in the padded channels-last image (times c), and its place in its pool
        // window (windows do not overlap: each position is in one window at most).
        int outputs = g.OutputPlane, windowArea = p.WindowHeight * p.WindowWidth;
        if (_originOf is null || _localOf is null || _originOf.Length < outputs) { _originOf = new long[outputs]; _localOf = new int[outputs]; }
        var originTable = _originOf;
        var localTable = _localOf;
        for (int a = 0; a < outputs; a++)
        {
            int oy = a / g.OutputWidth, ox = a - oy * g.OutputWidth;
            originTable[a] = ((long)oy * g.StrideHeight * wp + (long)ox * g.StrideWidth) * c;
            int ly = (oy + p.PadTop) % p.StrideHeight, lx = (ox + p.PadLeft) % p.StrideWidth;
            localTable[a] = ly < p.WindowHeight && lx < p.WindowWidth ? ly * p.WindowWidth + lx : 0;
        }
        fixed (float* xp = xBuffer, wt = wBuffer, masked = maskedBuffer)
        fixed (long* originOf = originTable)
        fixed (int* localOf = localTable)
        {
            // The filters as [k][tap][c] (the dx scatter reads a channel vector of one tap).
            for (int k = 0; k < g.Filters; k++)
                for (int ch = 0; ch < c; ch++)
                    for (int t = 0; t < taps; t++)
                        wt[((long)k * taps + t) * c + ch] = w[((long)k * c + ch) * taps + t];
            var job = new Job
            {
                X = x, Y = y, Dy = dy, W = w, Masked = masked, Dw = dw, DBias = dbias, Dx = dx, XPadded = xChannelsLast != null && !padded ? xChannelsLast : xp,
                XChannelsLast = xChannelsLast, WTaps = wt, Argmax = argmax, TapOffsets = offsets,
                G = g, P = p, Slope = slope, Mask = mask, PaddedHeight = hp, PaddedWidth = wp, OriginOf = originOf, LocalOf = localOf,
                WindowArea = windowArea,
            };
            ConvParallel.ForEachClaimed(g.Batch, ConvParallel.PartsFor(g.Batch, g.InputSize + (dx == null ? 0L : (long)g.OutputSize * taps)), &ImagePart, &job);
            if (dw != null)
                ConvParallel.ForParts(g.Filters, ConvParallel.PartsFor(g.Filters, (long)g.Batch * p.OutputPlane * taps * c), &FilterPart, &job);
        }
    }

    private static void ImagePart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) ImagePart<Simd512, Vector512<float>>((Job*)state, start, end);
        else if (Simd256.IsSupported) ImagePart<Simd256, Vector256<float>>((Job*)state, start, end);
        else ImagePart<Simd128, Vector128<float>>((Job*)state, start, end);
    }

    private static void FilterPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) FilterPart<Simd512, Vector512<float>>((Job*)state, start, end);
        else if (Simd256.IsSupported) FilterPart<Simd256, Vector256<float>>((Job*)state, start, end);
        else FilterPart<Simd128, Vector128<float>>((Job*)state, start, end);
    }

    /// <summary>dz at pooled output o of plane (n, k), from the masked gradients the image pass wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dz(Job* j, long o) => j->Masked[o];

    /// <summary>Images [start, end): the padded channels-last copy of each (for the filter pass), and dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ImagePart<TS, TV>(Job* j, int start, int end) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var g = j->G;
        var p = j->P;
        int c = g.InputChannels, taps = g.KernelArea, lanes = TS.Lanes, hp = j->PaddedHeight, wp = j->PaddedWidth, pooled = p.OutputPlane;
        long imageFloats = (long)hp * wp * c;
        bool padded = hp != g.InputHeight || wp != g.InputWidth;
        // One image channels-last and unpadded (the transposes' layout), and with dx its padded gradient.
        var stage = ConvScratch.Staging((long)g.InputSize + (j->Dx != null ? imageFloats : 0) + 64);
        int* offsets = j->TapOffsets;
        int* stampOffsets = stackalloc int[taps];
        TapOffsetsIn(taps, c, stampOffsets);
        bool rowsOfThree = g.KernelWidth == 3 && g.DilationWidth == 1;
        int area = j->WindowArea;
        if (_bucketOf is null || _bucketOf.Length < g.Filters || _groupFilters!.Length < g.Filters + area)
        {
            _bucketOf = new int[g.Filters];
            _groupFilters = new long[g.Filters + area];
            _groupValues = new float[g.Filters + area];
        }
        if (_stamp is null || _stamp.Length < taps * c) _stamp = new float[taps * c];
        int* counts = stackalloc int[area], starts = stackalloc int[area], ends = stackalloc int[area];
        fixed (float* compact = stage, stamp = _stamp, groupValues = _groupValues)
        fixed (int* bucketOf = _bucketOf)
        fixed (long* groupFilters = _groupFilters)
        {
            float* dxp = compact + g.InputSize;
            for (int n = start; n < end; n++)
            {
                // dz at the windows' winners (0 + dy through the activation's derivative: the pool's backward arithmetic,
                // a vector at a time; a data-dependent branch per value mispredicted a third of the time).
                long planes = (long)n * g.Filters * pooled;
                Pool2d.MaskedGradients(j->Dy + planes, j->Y + planes, j->Mask ? j->Slope : 1f, g.Filters * pooled, j->Masked + planes);
                float* xn = j->XPadded + n * imageFloats;
                float* kept = j->XChannelsLast == null ? null : j->XChannelsLast + (long)n * g.InputSize;
                if (!padded)
                {
                    if (kept == null) ConvIm2RowGemm.ToPixelMajor(j->X + (long)n * g.InputSize, 1, c, g.InputPlane, g.InputSize, xn);
                }
                else
                {
                    if (kept == null) ConvIm2RowGemm.ToPixelMajor(j->X + (long)n * g.InputSize, 1, c, g.InputPlane, g.InputSize, compact);
                    else Buffer.MemoryCopy(kept, compact, (long)g.InputSize * sizeof(float), (long)g.InputSize * sizeof(float));
                    new Span<float>(xn, (int)imageFloats).Clear();
                    for (int r = 0; r < g.InputHeight; r++)
                        Buffer.MemoryCopy(compact + (long)r * g.InputWidth * c, xn + ((long)(r + g.PadTop) * wp + g.PadLeft) * c,
                            (long)g.InputWidth * c * sizeof(float), (long)g.InputWidth * c * sizeof(float));
                }
                if (j->Dx == null) continue;

                // dx: per window, the filters whose winner is the same position share one stamp Σ_k s_k·w[k] (three taps ×
                // up to four channel vectors at a time in registers), added once into the padded image at that position.
                new Span<float>(dxp, (int)imageFloats).Clear();
                for (int q = 0; q < pooled; q++)
                {
                    // The filters' non-zero dz of this window sorted by their winner's place in the window (a counting sort
                    // without branches on the data: a zero writes into its bucket's spare slot and does not advance it).
                    for (int b = 0; b < area; b++) counts[b] = 0;
                    for (int k = 0; k < g.Filters; k++)
                    {
                        long o = ((long)n * g.Filters + k) * pooled + q;
                        int local = j->LocalOf[j->Argmax[o]];
                        bucketOf[k] = local;
                        bool nonZero = Dz(j, o) != 0f;
                        counts[local] += *(byte*)&nonZero;
                    }
                    for (int b = 0, at = 0; b < area; b++) { starts[b] = at; ends[b] = at; at += counts[b] + 1; }
                    for (int k = 0; k < g.Filters; k++)
                    {
                        long o = ((long)n * g.Filters + k) * pooled + q;
                        float s = Dz(j, o);
                        int b = bucketOf[k], at = ends[b];
                        groupFilters[at] = (long)k * taps * c;
                        groupValues[at] = s;
                        bool nonZero = s != 0f;
                        ends[b] = at + *(byte*)&nonZero;
                    }
                    for (int b = 0; b < area; b++)
                    {
                        int count = ends[b] - starts[b];
                        if (count == 0) continue;
                        // The position of this bucket's filters: any of them has it (they share the window place).
                        long first = ((long)n * g.Filters + groupFilters[starts[b]] / ((long)taps * c)) * pooled + q;
                        float* origin = dxp + j->OriginOf[j->Argmax[first]];
                        if (rowsOfThree)
                        {
                            // Three adjacent taps of a row land c apart in the image: sum straight into it.
                            ForTapsAndVectors<TS, TV>(j->WTaps, groupFilters + starts[b], groupValues + starts[b], count, taps, c, origin, stampOffsets, offsets, add: true);
                            continue;
                        }
                        ForTapsAndVectors<TS, TV>(j->WTaps, groupFilters + starts[b], groupValues + starts[b], count, taps, c, stamp, stampOffsets, stampOffsets, add: false);
                        for (int t = 0; t < taps; t++)
                        {
                            float* d = origin + offsets[t];
                            float* st = stamp + (long)t * c;
                            for (int v = 0; v < c; v += lanes) TS.Store(TS.Add(TS.Load(d + v), TS.Load(st + v)), d + v);
                        }
                    }
                }
                float* dxn = j->Dx + (long)n * g.InputSize;
                if (!padded) ConvIm2RowGemm.FromPixelMajor(dxp, 1, c, g.InputPlane, dxn, g.InputSize);
                else
                {
                    for (int r = 0; r < g.InputHeight; r++)
                        Buffer.MemoryCopy(dxp + ((long)(r + g.PadTop) * wp + g.PadLeft) * c, compact + (long)r * g.InputWidth * c,
                            (long)g.InputWidth * c * sizeof(float), (long)g.InputWidth * c * sizeof(float));
                    ConvIm2RowGemm.FromPixelMajor(compact, 1, c, g.InputPlane, dxn, g.InputSize);
                }
            }
        }
    }

    [ThreadStatic] private static int[]? _bucketOf;
    [ThreadStatic] private static long[]? _groupFilters;
    [ThreadStatic] private static float[]? _groupValues, _stamp;

    /// <summary>offsets[t] = t·c: tap t's channels in a [tap][c] block (the filters' layout, and the stamp's).</summary>
    private static int* TapOffsetsIn(int taps, int c, int* offsets)
    {
        for (int t = 0; t < taps; t++) offsets[t] = t * c;
        return offsets;
    }

    /// <summary>output[outputOffsets[t] + v] for every tap t and channel v (= Σ_e values[e]·x[origins[e] + offsets[t] + v], plus
    /// output's values when <paramref name="add"/>): <see cref="ThreeTaps{TS, TV, TVectors}"/> over groups of three taps
    /// (whose outputs must lie c apart) and up to four channel vectors, a tap at a time for the last one or two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForTapsAndVectors<TS, TV>(float* x, long* origins, float* values, int count, int taps, int c, float* output, int* offsets,
        int* outputOffsets, bool add)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        for (int v0 = 0; v0 < c; v0 += 4 * lanes)
        {
            int vectors = Math.Min(4, (c - v0) / lanes);
            int t0 = 0;
            for (; t0 + 3 <= taps; t0 += 3)
            {
                int o0 = offsets[t0] + v0, o1 = offsets[t0 + 1] + v0, o2 = offsets[t0 + 2] + v0;
                float* s0 = output + outputOffsets[t0] + v0;
                switch (vectors)
                {
                    case 4: ThreeTaps<TS, TV, C4>(x, origins, values, count, o0, o1, o2, s0, c, add); break;
                    case 3: ThreeTaps<TS, TV, C3>(x, origins, values, count, o0, o1, o2, s0, c, add); break;
                    case 2: ThreeTaps<TS, TV, C2>(x, origins, values, count, o0, o1, o2, s0, c, add); break;
                    default: ThreeTaps<TS, TV, C1>(x, origins, values, count, o0, o1, o2, s0, c, add); break;
                }
            }
            for (; t0 < taps; t0++)
                for (int v = v0; v < v0 + vectors * lanes; v += lanes)
                {
                    float* sv = output + outputOffsets[t0] + v;
                    var acc = add ? TS.Load(sv) : TS.Zero;
                    int o = offsets[t0] + v;
                    for (int e = 0; e < count; e++) acc = TS.MultiplyAdd(TS.Create(values[e]), TS.Load(x + origins[e] + o), acc);
                    TS.Store(acc, sv);
                }
        }
    }

    [ThreadStatic] private static long[]? _origins;
    [ThreadStatic] private static float[]? _values;
    [ThreadStatic] private static float[]? _sums, _biases;

    /// <summary>Images per block of the filter pass: the padded channels-last inputs of a block (21.6 KB per image for the
    /// seed CNN's conv 2) stay in L2 while every filter of the part takes its sums over them.</summary>
    private const int ImagesPerBlock = 8;

    /// <summary>Filters [start, end): per block of images, each filter's non-zero dz (position in the padded batch, value)
    /// listed in the order image, window, and its dW sums carried on over the list three taps × up to four channel vectors
    /// at a time in registers (<see cref="ForTapsAndVectors{TS, TV}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterPart<TS, TV>(Job* j, int start, int end) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var g = j->G;
        var p = j->P;
        int c = g.InputChannels, taps = g.KernelArea, pooled = p.OutputPlane, filters = end - start;
        long imageFloats = (long)j->PaddedHeight * j->PaddedWidth * c;
        int most = ImagesPerBlock * pooled + 1;
        if (_origins is null || _origins.Length < most) { _origins = new long[most]; _values = new float[most]; }
        if (_sums is null || _sums.Length < (long)filters * taps * c) _sums = new float[(long)filters * taps * c];
        if (_biases is null || _biases.Length < filters) _biases = new float[filters];
        int* blockOffsets = stackalloc int[taps];
        TapOffsetsIn(taps, c, blockOffsets);
        fixed (long* origins = _origins)
        fixed (float* values = _values, sums = _sums, biases = _biases)
        {
            for (int n0 = 0; n0 < g.Batch; n0 += ImagesPerBlock)
            {
                int n1 = Math.Min(g.Batch, n0 + ImagesPerBlock);
                for (int k = start; k < end; k++)
                {
                    int count = 0;
                    float bias = n0 == 0 ? 0f : biases[k - start];
                    for (int n = n0; n < n1; n++)
                    {
                        long plane = ((long)n * g.Filters + k) * pooled;
                        for (int q = 0; q < pooled; q++)
                        {
                            float s = Dz(j, plane + q);
                            bias += s;
                            // Listed without a branch on the data: a zero is written and then overwritten by the next entry.
                            origins[count] = n * imageFloats + j->OriginOf[j->Argmax[plane + q]];
                            values[count] = s;
                            bool nonZero = s != 0f;
                            count += *(byte*)&nonZero;
                        }
                    }
                    biases[k - start] = bias;
                    ForTapsAndVectors<TS, TV>(j->XPadded, origins, values, count, taps, c, sums + (long)(k - start) * taps * c, j->TapOffsets, blockOffsets, add: n0 > 0);
                }
            }
            for (int k = start; k < end; k++)
            {
                if (j->DBias != null) j->DBias[k] = biases[k - start];
                // sums is [k][tap][c]; dW is [k][c][tap].
                float* sk = sums + (long)(k - start) * taps * c;
                float* dwk = j->Dw + (long)k * c * taps;
                for (int ch = 0; ch < c; ch++)
                    for (int t = 0; t < taps; t++) dwk[(long)ch * taps + t] = sk[(long)t * c + ch];
            }
        }
    }

    /// <summary>s0[t·c + v] (t &lt; 3, v over <typeparamref name="TVectors"/> channel vectors) = Σ_e values[e]·x[origins[e] + o_t + v]
    /// (plus s0's values when <paramref name="add"/>), summed in registers in the order of e: the one inner loop of both
    /// passes (dW: x is the padded input, e a non-zero dz; dx: x is the filters, e a filter whose winner is the position).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThreeTaps<TS, TV, TVectors>(float* x, long* origins, float* values, int count, int o0, int o1, int o2, float* s0, int c, bool add)
        where TS : struct, ISimd<TV> where TV : unmanaged where TVectors : struct, IConst
    {
        int lanes = TS.Lanes, nv = TVectors.Value;
        float* s1 = s0 + c, s2 = s1 + c;
        TV a00 = TS.Zero, a01 = TS.Zero, a02 = TS.Zero, a03 = TS.Zero;
        TV a10 = TS.Zero, a11 = TS.Zero, a12 = TS.Zero, a13 = TS.Zero;
        TV a20 = TS.Zero, a21 = TS.Zero, a22 = TS.Zero, a23 = TS.Zero;
        if (add)
        {
            a00 = TS.Load(s0); a10 = TS.Load(s1); a20 = TS.Load(s2);
            if (nv > 1) { a01 = TS.Load(s0 + lanes); a11 = TS.Load(s1 + lanes); a21 = TS.Load(s2 + lanes); }
            if (nv > 2) { a02 = TS.Load(s0 + 2 * lanes); a12 = TS.Load(s1 + 2 * lanes); a22 = TS.Load(s2 + 2 * lanes); }
            if (nv > 3) { a03 = TS.Load(s0 + 3 * lanes); a13 = TS.Load(s1 + 3 * lanes); a23 = TS.Load(s2 + 3 * lanes); }
        }
        for (int e = 0; e < count; e++)
        {
            var s = TS.Create(values[e]);
            float* b = x + origins[e];
            float* p0 = b + o0, p1 = b + o1, p2 = b + o2;
            a00 = TS.MultiplyAdd(s, TS.Load(p0), a00);
            a10 = TS.MultiplyAdd(s, TS.Load(p1), a10);
            a20 = TS.MultiplyAdd(s, TS.Load(p2), a20);
            if (nv > 1)
            {
                a01 = TS.MultiplyAdd(s, TS.Load(p0 + lanes), a01);
                a11 = TS.MultiplyAdd(s, TS.Load(p1 + lanes), a11);
                a21 = TS.MultiplyAdd(s, TS.Load(p2 + lanes), a21);
            }
            if (nv > 2)
            {
                a02 = TS.MultiplyAdd(s, TS.Load(p0 + 2 * lanes), a02);
                a12 = TS.MultiplyAdd(s, TS.Load(p1 + 2 * lanes), a12);
                a22 = TS.MultiplyAdd(s, TS.Load(p2 + 2 * lanes), a22);
            }
            if (nv > 3)
            {
                a03 = TS.MultiplyAdd(s, TS.Load(p0 + 3 * lanes), a03);
                a13 = TS.MultiplyAdd(s, TS.Load(p1 + 3 * lanes), a13);
                a23 = TS.MultiplyAdd(s, TS.Load(p2 + 3 * lanes), a23);
            }
        }
        TS.Store(a00, s0); TS.Store(a10, s1); TS.Store(a20, s2);
        if (nv > 1) { TS.Store(a01, s0 + lanes); TS.Store(a11, s1 + lanes); TS.Store(a21, s2 + lanes); }
        if (nv > 2) { TS.Store(a02, s0 + 2 * lanes); TS.Store(a12, s1 + 2 * lanes); TS.Store(a22, s2 + 2 * lanes); }
        if (nv > 3) { TS.Store(a03, s0 + 3 * lanes); TS.Store(a13, s1 + 3 * lanes); TS.Store(a23, s2 + 3 * lanes); }
    }
}
