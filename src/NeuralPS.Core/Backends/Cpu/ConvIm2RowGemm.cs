using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Convolution as a pixel-major im2col ("im2row") + SGEMM: the CPU path for the forward and
/// filter gradient of convolutions with small output planes (see <see cref="Applies"/>).
///
/// Per chunk of nb images and per group, with P = kh·kw·C/groups ordered (i, j, c) and L = nb·OH·OW:
///   x chunk → xN [nb, H, W, Cg]                 (transpose: channels last)
///   R[L, P]  = im2row(xN)                        (row = one output pixel's patch; runs of Cg floats)
///   forward         Yt[L, Kg] = act(R · Wrᵀ + bias)      → y NCHW (transpose)       Wr = W as [Kg, kh, kw, Cg]
///   backward-data   dR[L, P]  = dYt[L, Kg] · Wr,  dYt = dy pixel-major (transpose) → dxN (gather) → dx NCHW
///   backward-filter dWr[Kg, P] = dY[Kg, L] · R (one partial per chunk, summed in order) → dW (reorder)
///
/// Why pixel-major: the SGEMM reads a non-transposed A in place and packs only B. With R as A and the
/// small weight matrix as B, the big operand is never packed; in the classic layout (W · col) the big
/// col matrix is the packed B. The GEMM alone (seed CNN conv 2, 8 images, one thread, per thread-CPU
/// second): 110 vs 99 GFLOP/s forward, 104 vs 100 backward-data (OpenBLAS, classic: 93 / 95). The runs
/// of im2row are Cg floats long instead of OW-wide rows, but the two transposes cost about as much as
/// that saves, so which layout wins depends on the shape (<see cref="Applies"/>).
/// The forward keeps R in the layer's workspace for the filter gradient.
/// Threads: as <see cref="ConvIm2ColGemm"/> (chunks claimed by the SGEMM's team, single-threaded GEMMs).
///
/// Vector stores may run up to Lanes − 1 (≤ 15) floats past a run; every buffer here is written in address order
/// and has <see cref="Slack"/> floats after its end, so a spill only lands where a later store writes.</summary>
internal enum ConvLayoutChoice
{
    Auto,
    PixelMajor,
    Classic,
}

internal static unsafe class ConvIm2RowGemm
{
    /// <summary>When this path is used instead of the classic im2col (benchmarks and tests force one).</summary>
    public static ConvLayoutChoice Choice { get; set; } = ConvLayoutChoice.Auto;

    public const int Slack = 32;

    /// <summary>Forward and filter gradient (which must use the same layout to share the cached patch matrix).
    /// Auto: pixel-major for output planes of at most 64 pixels (the deeper, small-plane layers), classic
    /// above. Measured per thread-CPU-second, one thread, 64 images: 7×7 outputs (64→64 and 32→64/2
    /// channels) forward 82 vs 65 and 68 vs 56 GFLOP/s, filter gradient 76 vs 63 and 60 vs 52; 11×11 and
    /// 14×14 outputs forward 67 vs 74 and 60 vs 56, filter gradient equal.</summary>
    public static bool Applies(in ConvolutionGeometry g) => Vectorized && Choice switch
    {
        ConvLayoutChoice.PixelMajor => true,
        ConvLayoutChoice.Classic => false,
        _ => g.OutputPlane <= 64,
    };

    /// <summary>Backward-data: the classic GEMM + direct col2im measured faster on every shape tried (by
    /// 5–25%: the pixel-major version pays two transposes), so Auto never picks this one.</summary>
    public static bool AppliesToBackwardData(in ConvolutionGeometry g) => Vectorized && Choice == ConvLayoutChoice.PixelMajor;

    /// <summary>The kernels below are written once over <see cref="ISimd{TV}"/> and run at the widest width the
    /// CPU offers (512, 256 or 128 bits); without any vector unit the classic path is used.</summary>
    private static bool Vectorized => Simd512.IsSupported || Simd256.IsSupported || Simd128.IsSupported;

    private struct Job
    {
        public float* X, W, Bias, Y, Dy, Dx, Partials, Cache;
        public long BlockFloats;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
        public int ImagesPerChunk, Chunks;
        public bool ThreadedGemm, CacheValid;
    }

    private static Job Plan(in ConvolutionGeometry g, out int parts)
    {
        parts = ConvIm2ColGemm.ImageParallel && g.Batch >= 2 * ConvParallel.Threads
            ? ConvParallel.PartsFor(g.Batch, g.Flops > 0 ? (long)(g.Flops / Math.Max(g.Batch, 1)) : 1) : 1;
        int perPart = (g.Batch + parts - 1) / parts;
        int chunksPerPart = (int)Math.Max(1, ((long)perPart * g.OutputPlane + ConvIm2ColGemm.ChunkColumns - 1) / ConvIm2ColGemm.ChunkColumns);
        int nb = Math.Max(1, (perPart + chunksPerPart - 1) / chunksPerPart);
        int chunks = (g.Batch + nb - 1) / nb;
        parts = Math.Min(parts, chunks);
        return new Job
        {
            G = g, ImagesPerChunk = nb, Chunks = chunks, ThreadedGemm = parts == 1,
            BlockFloats = ((long)g.PatchSize * nb * g.OutputPlane + Slack + 15) & ~15L,
        };
    }

    private static SgemmSettings GemmSettings(bool threaded) => threaded ? SgemmSettings.Current : ConvParallel.SingleThread;

    /// <summary>Wr[k, (i·kw + j)·Cg + c] = W[k, c, i, j] (all groups: rows k of the whole weight).</summary>
    private static void ReorderWeights(float* w, float* wr, in ConvolutionGeometry g)
    {
        int cg = g.GroupInputChannels, ka = g.KernelArea, p = g.PatchSize;
        for (int k = 0; k < g.Filters; k++)
            for (int c = 0; c < cg; c++)
                for (int t = 0; t < ka; t++)
                    wr[(long)k * p + t * cg + c] = w[(long)k * p + c * ka + t];
    }

    /// <summary>dW[k, c, i, j] = dWr[k, (i·kw + j)·Cg + c].</summary>
    private static void RestoreWeights(float* wr, float* w, in ConvolutionGeometry g)
    {
        int cg = g.GroupInputChannels, ka = g.KernelArea, p = g.PatchSize;
        for (int k = 0; k < g.Filters; k++)
            for (int c = 0; c < cg; c++)
                for (int t = 0; t < ka; t++)
                    w[(long)k * p + c * ka + t] = wr[(long)k * p + t * cg + c];
    }

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha, ConvolutionWorkspace? workspace)
    {
        var job = Plan(g, out int parts);
        job.X = x; job.Bias = bias; job.Y = y; job.Activation = act; job.Alpha = alpha;
        float[]? cache = null;
        if (workspace is not null)
        {
            long floats = job.BlockFloats * job.Chunks * g.Groups;
            if (workspace.Columns is null || workspace.Columns.LongLength < floats)
            {
                if (floats > Array.MaxLength) throw new InvalidConfigurationException($"The im2col cache of {g} needs {floats} floats; use a smaller batch.");
                workspace.Columns = GC.AllocateUninitializedArray<float>((int)floats, pinned: true);
            }
            cache = workspace.Columns;
            workspace.Input = null;
        }
        var wr = ConvScratch.Weights(g.WeightSize);
        fixed (float* pc = cache, pwr = wr)
        {
            ReorderWeights(w, pwr, g);
            job.W = pwr;
            job.Cache = pc;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &ForwardPart, &job);
        }
        if (workspace is not null)
        {
            workspace.Geometry = g;
            workspace.ImagesPerChunk = job.ImagesPerChunk;
            workspace.PixelMajor = true;
        }
    }

    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        var job = Plan(g, out int parts);
        job.Dy = dy; job.Dx = dx;
        var wr = ConvScratch.Weights(g.WeightSize);
        fixed (float* pwr = wr)
        {
            ReorderWeights(w, pwr, g);
            job.W = pwr;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &BackwardDataPart, &job);
        }
    }

    public static void BackwardFilter(float* x, float* dy, float* dw, float* dbias, in ConvolutionGeometry g, ConvolutionWorkspace? workspace, NeuralPS.Core.Tensors.Tensor? input)
    {
        var job = Plan(g, out int parts);
        bool cached = workspace is not null && input is not null && ReferenceEquals(workspace.Input, input) && workspace.PixelMajor
            && workspace.Geometry == g && workspace.ImagesPerChunk == job.ImagesPerChunk && workspace.Columns is not null;
        // One partial per chunk in the reordered layout, summed in chunk order (deterministic), then restored.
        var partials = ConvScratch.Partials((long)job.Chunks * g.WeightSize);
        fixed (float* pp = partials, pc = cached ? workspace!.Columns : null)
        {
            job.X = x; job.Dy = dy; job.Partials = pp; job.Cache = pc; job.CacheValid = cached;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(pp, g.WeightSize);
            for (int c = 1; c < job.Chunks; c++)
                TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)c * g.WeightSize, g.WeightSize), acc);
            RestoreWeights(pp, dw, g);
        }
        if (g.Batch == 0) new Span<float>(dw, g.WeightSize).Clear();
        if (dbias != null) ConvIm2ColGemm.BiasGradient(dy, dbias, g.Batch, g.Filters, g.OutputPlane);
    }

    private static long PixelMajorFloats(in ConvolutionGeometry g, int nb) => (long)nb * g.InputPlane * g.GroupInputChannels + Slack;

    // chunks [start, end): xN = x channels-last; R = im2row(xN); Yt = act(R·Wrᵀ + b); y = Ytᵀ per image
    private static void ForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, cg = g.GroupInputChannels, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var rowBuf = j->Cache == null ? ConvScratch.Columns(j->BlockFloats) : null;
        var xnBuf = ConvScratch.Staging(PixelMajorFloats(g, nb));
        var ytBuf = ConvScratch.Output((long)nb * ohw * kg + Slack);
        fixed (float* scratch = rowBuf, xn = xnBuf, yt = ytBuf)
        {
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* r = j->Cache == null ? scratch : j->Cache + ((long)c * g.Groups + grp) * j->BlockFloats;
                    ToPixelMajor(j->X + (long)n0 * g.InputSize + (long)grp * cg * g.InputPlane, cnt, cg, g.InputPlane, g.InputSize, xn);
                    Im2Row(xn, cnt, g, r);
                    var ep = new GemmEpilogue(j->Bias == null ? null : j->Bias + grp * kg, null, j->Activation, j->Alpha);
                    Sgemm.Multiply(false, true, L, kg, P, 1f, r, P, j->W + (long)grp * kg * P, P, 0f, yt, kg, ep, null, settings);
                    FromPixelMajor(yt, cnt, kg, ohw, j->Y + (long)n0 * g.OutputSize + (long)grp * kg * ohw, g.OutputSize);
                }
            }
        }
    }

    // chunks [start, end): dYt = dy pixel-major; dR = dYt·Wr; dxN = row2im(dR); dx = dxNᵀ per image
    private static void BackwardDataPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, cg = g.GroupInputChannels, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var drBuf = ConvScratch.Columns(j->BlockFloats);
        var dxnBuf = ConvScratch.Staging(PixelMajorFloats(g, nb));
        var dytBuf = ConvScratch.Output((long)nb * ohw * kg + Slack);
        fixed (float* dr = drBuf, dxn = dxnBuf, dyt = dytBuf)
        {
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    ToPixelMajor(j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw, cnt, kg, ohw, g.OutputSize, dyt);
                    Sgemm.Multiply(false, false, L, P, kg, 1f, dyt, kg, j->W + (long)grp * kg * P, P, 0f, dr, P, default, null, settings);
                    Row2Im(dr, cnt, g, dxn);
                    FromPixelMajor(dxn, cnt, cg, g.InputPlane, j->Dx + (long)n0 * g.InputSize + (long)grp * cg * g.InputPlane, g.InputSize);
                }
            }
        }
    }

    // chunks [start, end): dWr_chunk = dY_g[Kg, L]·R[L, P] (R from the cache or rebuilt)
    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, cg = g.GroupInputChannels, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var rowBuf = j->CacheValid ? null : ConvScratch.Columns(j->BlockFloats);
        var xnBuf = j->CacheValid ? null : ConvScratch.Staging(PixelMajorFloats(g, nb));
        var dycBuf = nb > 1 ? ConvScratch.Output((long)kg * nb * ohw) : null;
        fixed (float* scratch = rowBuf, xn = xnBuf, dyc = dycBuf)
        {
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                float* dwc = j->Partials + (long)c * g.WeightSize;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* r;
                    if (j->CacheValid) r = j->Cache + ((long)c * g.Groups + grp) * j->BlockFloats;
                    else
                    {
                        r = scratch;
                        ToPixelMajor(j->X + (long)n0 * g.InputSize + (long)grp * cg * g.InputPlane, cnt, cg, g.InputPlane, g.InputSize, xn);
                        Im2Row(xn, cnt, g, r);
                    }
                    float* dyg = j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { ConvIm2ColGemm.NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, dyc); dyg = dyc; }
                    Sgemm.Multiply(false, false, kg, P, L, 1f, dyg, L, r, P, 0f, dwc + (long)grp * kg * P, P, default, null, settings);
                }
            }
        }
    }

    /// <summary>dst[(img·plane + p)·channels + c] = src[img·imageStride + c·plane + p] (channels-last copy of
    /// <paramref name="channels"/> planes of each image): Lanes × Lanes tiles transposed in registers, scalar edges.</summary>
    internal static void ToPixelMajor(float* src, int images, int channels, int plane, int imageStride, float* dst)
    {
        if (Simd512.IsSupported) Transpose<Simd512, Vector512<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: true);
        else if (Simd256.IsSupported) Transpose<Simd256, Vector256<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: true);
        else Transpose<Simd128, Vector128<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: true);
    }

    /// <summary>dst[img·imageStride + c·plane + p] = src[(img·plane + p)·channels + c]: Lanes × Lanes register tiles, scalar edges.</summary>
    internal static void FromPixelMajor(float* src, int images, int channels, int plane, float* dst, int imageStride)
    {
        if (Simd512.IsSupported) Transpose<Simd512, Vector512<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: false);
        else if (Simd256.IsSupported) Transpose<Simd256, Vector256<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: false);
        else Transpose<Simd128, Vector128<float>>(src, images, channels, plane, imageStride, dst, toPixelMajor: false);
    }

    /// <summary>Both directions of the NCHW ↔ channels-last copy: the channel-major side is addressed
    /// c·plane + p within an image of <paramref name="imageStride"/> floats, the pixel-major side
    /// p·channels + c within an image of plane·channels floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose<TS, TV>(float* src, int images, int channels, int plane, int imageStride, float* dst, bool toPixelMajor)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        int cFull = channels - channels % lanes, pFull = plane - plane % lanes;
        for (int img = 0; img < images; img++)
        {
            // cm: channel-major image, pm: pixel-major image
            float* cm = (toPixelMajor ? src : dst) + (long)img * imageStride;
            float* pm = (toPixelMajor ? dst : src) + (long)img * plane * channels;
            for (int c0 = 0; c0 < cFull; c0 += lanes)
            {
                for (int p0 = 0; p0 < pFull; p0 += lanes)
                {
                    if (toPixelMajor) TS.TransposeTile(cm + (long)c0 * plane + p0, plane, pm + (long)p0 * channels + c0, channels);
                    else TS.TransposeTile(pm + (long)p0 * channels + c0, channels, cm + (long)c0 * plane + p0, plane);
                }
                for (int c = c0; c < c0 + lanes; c++)
                    for (int p = pFull; p < plane; p++)
                        if (toPixelMajor) pm[(long)p * channels + c] = cm[(long)c * plane + p];
                        else cm[(long)c * plane + p] = pm[(long)p * channels + c];
            }
            for (int c = cFull; c < channels; c++)
                for (int p = 0; p < plane; p++)
                    if (toPixelMajor) pm[(long)p * channels + c] = cm[(long)c * plane + p];
                    else cm[(long)c * plane + p] = pm[(long)p * channels + c];
        }
    }

    /// <summary>R[(img·OH + oy)·OW + ox, (i·kw + j)·Cg + c] = xN[img, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw, c] (0 outside).
    /// Each (pixel, tap) is a run of Cg floats copied with whole vectors (the spill is rewritten by the next
    /// run); with stride 1 and dilation 1 the kw taps of a kernel row that are all inside the image are
    /// one contiguous run of kw·Cg floats.</summary>
    internal static void Im2Row(float* xn, int images, in ConvolutionGeometry g, float* r)
    {
        if (Simd512.IsSupported) Im2Row<Simd512, Vector512<float>>(xn, images, g, r);
        else if (Simd256.IsSupported) Im2Row<Simd256, Vector256<float>>(xn, images, g, r);
        else Im2Row<Simd128, Vector128<float>>(xn, images, g, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Im2Row<TS, TV>(float* xn, int images, in ConvolutionGeometry g, float* r)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int h = g.InputHeight, w = g.InputWidth, cg = g.GroupInputChannels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutputHeight, ow = g.OutputWidth, p = g.PatchSize;
        int rowRun = kw * cg;
        bool contiguousTaps = g.DilationWidth == 1;
        float* row = r;
        for (int img = 0; img < images; img++)
        {
            float* xi = xn + (long)img * h * w * cg;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++, row += p)
                {
                    int x0 = ox * g.StrideWidth - g.PadLeft;
                    bool allColumnsInside = contiguousTaps && x0 >= 0 && x0 + kw <= w;
                    float* d = row;
                    for (int i = 0; i < kh; i++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                        if ((uint)iy >= (uint)h)
                        {
                            Zero<TS, TV>(d, rowRun);
                            d += rowRun;
                            continue;
                        }
                        float* srow = xi + (long)iy * w * cg;
                        if (allColumnsInside)
                        {
                            Copy<TS, TV>(srow + (long)x0 * cg, d, rowRun);
                            d += rowRun;
                            continue;
                        }
                        for (int jj = 0; jj < kw; jj++, d += cg)
                        {
                            int ix = x0 + jj * g.DilationWidth;
                            if ((uint)ix >= (uint)w) Zero<TS, TV>(d, cg);
                            else Copy<TS, TV>(srow + (long)ix * cg, d, cg);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Row"/>, as a gather: every dxN element sums the dR entries of the
    /// (pixel, tap) pairs that read it, in registers, and is written once (no clearing, no read-modify-write).
    /// The taps that reach an input row/column are found by range arithmetic, not per-tap tests (stride 1),
    /// or by a divisibility test (stride &gt; 1).</summary>
    internal static void Row2Im(float* dr, int images, in ConvolutionGeometry g, float* dxn)
    {
        if (Simd512.IsSupported) Row2Im<Simd512, Vector512<float>>(dr, images, g, dxn);
        else if (Simd256.IsSupported) Row2Im<Simd256, Vector256<float>>(dr, images, g, dxn);
        else Row2Im<Simd128, Vector128<float>>(dr, images, g, dxn);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row2Im<TS, TV>(float* dr, int images, in ConvolutionGeometry g, float* dxn)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        int h = g.InputHeight, w = g.InputWidth, cg = g.GroupInputChannels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutputHeight, ow = g.OutputWidth, p = g.PatchSize, sh = g.StrideHeight, sw = g.StrideWidth;
        int dh = g.DilationHeight, dwl = g.DilationWidth, pt = g.PadTop, pl = g.PadLeft;
        bool unit = sh == 1 && sw == 1;
        float* d = dxn;
        for (int img = 0; img < images; img++)
        {
            float* ri = dr + (long)img * oh * ow * p;
            for (int iy = 0; iy < h; iy++)
            {
                for (int ix = 0; ix < w; ix++, d += cg)
                {
                    if (unit)
                    {
                        // taps i with 0 ≤ oy = iy + pt − i·dh < oh, taps j likewise
                        int iLo = Math.Max(0, CeilDiv(iy + pt - oh + 1, dh)), iHi = Math.Min(kh - 1, (iy + pt) / dh);
                        int jLo = Math.Max(0, CeilDiv(ix + pl - ow + 1, dwl)), jHi = Math.Min(kw - 1, (ix + pl) / dwl);
                        for (int c0 = 0; c0 < cg; c0 += lanes)
                        {
                            var acc = TS.Zero;
                            for (int i = iLo; i <= iHi; i++)
                            {
                                float* rr = ri + ((long)(iy + pt - i * dh) * ow + ix + pl) * p + i * kw * cg + c0;
                                for (int jj = jLo; jj <= jHi; jj++)
                                    acc = TS.Add(acc, TS.Load(rr - (long)jj * dwl * p + jj * cg));
                            }
                            TS.Store(acc, d + c0);
                        }
                        continue;
                    }
                    for (int c0 = 0; c0 < cg; c0 += lanes)
                    {
                        var acc = TS.Zero;
                        for (int i = 0; i < kh; i++)
                        {
                            int ty = iy + pt - i * dh;
                            if (ty < 0) break;
                            int oy = ty / sh;
                            if (oy * sh != ty || oy >= oh) continue;
                            for (int jj = 0; jj < kw; jj++)
                            {
                                int tx = ix + pl - jj * dwl;
                                if (tx < 0) break;
                                int ox = tx / sw;
                                if (ox * sw != tx || ox >= ow) continue;
                                acc = TS.Add(acc, TS.Load(ri + ((long)oy * ow + ox) * p + (i * kw + jj) * cg + c0));
                            }
                        }
                        TS.Store(acc, d + c0);
                    }
                }
            }
        }
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -((-a) / b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<TS, TV>(float* s, float* d, int n) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int t = 0; t < n; t += TS.Lanes) TS.Store(TS.Load(s + t), d + t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero<TS, TV>(float* d, int n) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int t = 0; t < n; t += TS.Lanes) TS.Store(TS.Zero, d + t);
    }
}
