using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Convolution as im2col + SGEMM (NCHW), for any geometry.
///
/// Per chunk of nb images and per group, one GEMM:
///   forward         Y_g[Kg, L]  = act(W_g[Kg, P] · col[P, L] + bias)      (bias + activation in the GEMM epilogue)
///   backward-data   dcol[P, L]  = W_gᵀ · dY_g[Kg, L], then col2im into dx
///   backward-filter dW_g[Kg, P] = Σ_chunks dY_g[Kg, L] · colᵀ               (one partial per chunk, summed in order)
/// with P = C/groups·kh·kw and L = nb·OH·OW. One image per chunk reads and writes the NCHW tensors in
/// place; several images per chunk widen the GEMM (the seed CNN's second conv has only 121 output
/// pixels per image) at the price of a scatter/gather between [Kg, nb, OH·OW] and NCHW.
///
/// Threads: with a batch of at least two images per thread, the threads of the SGEMM's team claim
/// chunks one at a time, and each runs im2col, a single-threaded GEMM and the scatter on its chunk
/// (the col block stays in its own L2, and there is one fork/join per call instead of one per GEMM
/// and per memory pass; claiming, not fixed ranges, because on a shared machine a descheduled thread
/// would otherwise hold up the join). The filter gradient keeps one partial per chunk, summed in
/// chunk order, so results do not depend on which thread took which chunk. Smaller batches
/// (inference) run the chunks on the calling thread with the GEMM itself on all threads.
/// <see cref="ChunkColumns"/> and <see cref="ImageParallel"/> are tuned by bench/NeuralPS.Bench -- conv.</summary>
internal static unsafe class ConvIm2ColGemm
{
    /// <summary>Target GEMM width (columns of the im2col block) per chunk of images.</summary>
    public static int ChunkColumns { get; set; } = 1024;

    /// <summary>Keep the forward's patch matrix in the layer's workspace for the filter gradient (true), or
    /// rebuild it there (false).</summary>
    public static bool CacheColumns { get; set; } = true;

    /// <summary>Conv2dBackward runs as one fused pass (true) or as act′ + filter + data passes (false; tests, benchmarks).</summary>
    public static bool FusedBackward { get; set; } = true;

    /// <summary>Split batches over threads by image (true) or run the GEMMs multi-threaded (false).</summary>
    public static bool ImageParallel { get; set; } = true;

    private struct Job
    {
        public float* X, XEnd, W, Bias, Y, Dy, Dx, Dw, Partials;
        /// <summary>The im2col blocks of all chunks (the workspace cache), or null: pack into thread scratch.</summary>
        public float* Cache;
        public long BlockFloats;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
        public int ImagesPerChunk, Chunks;
        public bool ThreadedGemm, CacheValid;
        /// <summary>Fused backward: per-chunk bias partials (Chunks × K), or null.</summary>
        public float* BiasPartials;
    }

    /// <summary>Threads and chunking: the batch is cut into chunks of nb images (chunk c = images
    /// [c·nb, (c+1)·nb)), the chunks are dealt out to the parts in contiguous runs. The layout depends on
    /// the geometry and thread count only, so a cached im2col block always belongs to the same chunk.</summary>
    private static Job Plan(in ConvolutionGeometry g, out int parts)
    {
        parts = ImageParallel && g.Batch >= 2 * ConvParallel.Threads
            ? ConvParallel.PartsFor(g.Batch, g.Flops > 0 ? (long)(g.Flops / Math.Max(g.Batch, 1)) : 1) : 1;
        int perPart = (g.Batch + parts - 1) / parts;
        int chunksPerPart = (int)Math.Max(1, ((long)perPart * g.OutputPlane + ChunkColumns - 1) / ChunkColumns);
        int nb = Math.Max(1, (perPart + chunksPerPart - 1) / chunksPerPart);
        int chunks = (g.Batch + nb - 1) / nb;
        parts = Math.Min(parts, chunks);
        return new Job
        {
            G = g, ImagesPerChunk = nb, Chunks = chunks, ThreadedGemm = parts == 1,
            BlockFloats = ((long)g.PatchSize * nb * g.OutputPlane + Im2Col.Slack + 15) & ~15L,
        };
    }

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha, ConvolutionWorkspace? workspace)
    {
        var job = Plan(g, out int parts);
        job.X = x; job.XEnd = x + (long)g.Batch * g.InputSize; job.W = w; job.Bias = bias; job.Y = y;
        job.Activation = act; job.Alpha = alpha;
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
            workspace.Input = null; // valid only once the forward has filled it
        }
        fixed (float* pc = cache)
        {
            job.Cache = pc;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &ForwardPart, &job);
        }
        if (workspace is not null)
        {
            workspace.Geometry = g;
            workspace.ImagesPerChunk = job.ImagesPerChunk;
            workspace.PixelMajor = false;
        }
    }

    /// <summary>Marks the workspace's cache as the im2col of <paramref name="input"/> (after a forward).</summary>
    public static void Remember(ConvolutionWorkspace? workspace, NeuralPS.Core.Tensors.Tensor input)
    {
        if (workspace?.Columns is not null) workspace.Input = input;
    }

    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        var job = Plan(g, out int parts);
        job.Dy = dy; job.W = w; job.Dx = dx;
        ConvParallel.ForEachClaimed(job.Chunks, parts, &BackwardDataPart, &job);
    }

    public static void BackwardFilter(float* x, float* dy, float* dw, float* dbias, in ConvolutionGeometry g, ConvolutionWorkspace? workspace, NeuralPS.Core.Tensors.Tensor? input)
    {
        var job = Plan(g, out int parts);
        bool cached = workspace is not null && input is not null && ReferenceEquals(workspace.Input, input) && !workspace.PixelMajor
            && workspace.Geometry == g && workspace.ImagesPerChunk == job.ImagesPerChunk && workspace.Columns is not null;
        // One partial per chunk (chunk 0 writes dW itself), summed in chunk order: deterministic whichever
        // thread claimed which chunk.
        var partials = ConvScratch.Partials((long)Math.Max(job.Chunks - 1, 1) * g.WeightSize);
        fixed (float* pp = partials, pc = cached ? workspace!.Columns : null)
        {
            job.X = x; job.XEnd = x + (long)g.Batch * g.InputSize; job.Dy = dy; job.Dw = dw; job.Partials = pp;
            job.Cache = pc; job.CacheValid = cached;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(dw, g.WeightSize);
            for (int c = 1; c < job.Chunks; c++)
                TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)(c - 1) * g.WeightSize, g.WeightSize), acc);
        }
        if (g.Batch == 0) new Span<float>(dw, g.WeightSize).Clear();
        if (dbias != null) BiasGradient(dy, dbias, g.Batch, g.Filters, g.OutputPlane);
    }

    /// <summary>The whole backward in one pass over the chunks (classic layout): each chunk gathers
    /// dz = dy ⊙ act′(y) once into [Kg, L] (the ReLU mask and the bias sums are taken while copying), then
    /// runs the filter-gradient GEMM against the forward's cached col block and, when dx is wanted, the
    /// data GEMM and col2im on the same, cache-hot dz. One fork/join instead of one per pass, no separate
    /// activation or bias pass. Per-chunk partials of dW and dbias are summed in chunk order.</summary>
    public static void Backward(float* x, float* y, float* dy, float* w, float* dw, float* dbias, float* dx, in ConvolutionGeometry g,
        ActivationKind act, float alpha, ConvolutionWorkspace? workspace, NeuralPS.Core.Tensors.Tensor? input)
    {
        var job = Plan(g, out int parts);
        bool cached = workspace is not null && input is not null && ReferenceEquals(workspace.Input, input) && !workspace.PixelMajor
            && workspace.Geometry == g && workspace.ImagesPerChunk == job.ImagesPerChunk && workspace.Columns is not null;
        long stride = g.WeightSize + g.Filters;
        var partials = ConvScratch.Partials((long)job.Chunks * stride);
        fixed (float* pp = partials, pc = cached ? workspace!.Columns : null)
        {
            job.X = x; job.XEnd = x + (long)g.Batch * g.InputSize; job.Y = y; job.Dy = dy; job.W = w; job.Dx = dx;
            job.Partials = pp; job.BiasPartials = pp + (long)job.Chunks * g.WeightSize;
            job.Cache = pc; job.CacheValid = cached; job.Activation = act; job.Alpha = alpha;
            ConvParallel.ForEachClaimed(job.Chunks, parts, &BackwardPart, &job);
            var acc = new Span<float>(pp, g.WeightSize);
            var bacc = new Span<float>(job.BiasPartials, g.Filters);
            for (int c = 1; c < job.Chunks; c++)
            {
                TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)c * g.WeightSize, g.WeightSize), acc);
                TensorPrimitives.Add(bacc, new ReadOnlySpan<float>(job.BiasPartials + (long)c * g.Filters, g.Filters), bacc);
            }
            acc.CopyTo(new Span<float>(dw, g.WeightSize));
            if (dbias != null) bacc.CopyTo(new Span<float>(dbias, g.Filters));
        }
    }

    // chunk c: dz_g = act′-masked gather of dy; dW_c = dz_g·colᵀ; db_c = Σ dz_g; dcol = W_gᵀ·dz_g → col2im → dx
    private static void BackwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        bool wantDx = j->Dx != null;
        bool direct = Im2Col.CanUnpackDirect(g);
        var colBuf = ConvScratch.Columns(j->BlockFloats + Im2Col.Slack + 64);
        var stageBuf = ConvScratch.Staging((long)kg * nb * ohw + 16);
        fixed (float* colBase = colBuf, stage = stageBuf)
        {
            float* scratch = colBase + Im2Col.Slack;
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                float* dwc = j->Partials + (long)c * g.WeightSize;
                float* dbc = j->BiasPartials + (long)c * g.Filters;
                float* dxEnd = j->Dx + (long)(n0 + cnt) * g.InputSize;
                if (wantDx && !direct) new Span<float>(j->Dx + (long)n0 * g.InputSize, cnt * g.InputSize).Clear();
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    long off = (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    GatherActivated(j->Dy + off, j->Y == null ? null : j->Y + off, g.OutputSize, cnt, kg, ohw, stage, j->Activation, j->Alpha, dbc + grp * kg);
                    float* col;
                    if (j->CacheValid) col = j->Cache + ((long)c * g.Groups + grp) * j->BlockFloats;
                    else
                    {
                        col = scratch;
                        Im2Col.Pack(j->X + (long)n0 * g.InputSize, j->XEnd, cnt, g, grp * g.GroupInputChannels, col, L);
                    }
                    Sgemm.Multiply(false, true, kg, P, L, 1f, stage, L, col, L, 0f, dwc + (long)grp * kg * P, P, default, null, settings);
                    if (!wantDx) continue;
                    Sgemm.Multiply(true, false, P, L, kg, 1f, j->W + (long)grp * kg * P, P, stage, L, 0f, scratch, L, default, null, settings);
                    if (direct) Im2Col.UnpackDirect(scratch, L, cnt, g, grp * g.GroupInputChannels, j->Dx + (long)n0 * g.InputSize, dxEnd);
                    else Im2Col.Unpack(scratch, L, cnt, g, grp * g.GroupInputChannels, j->Dx + (long)n0 * g.InputSize, dxEnd);
                }
            }
        }
    }

    /// <summary>dst[k, i·plane + p] = act′-masked src[i·imageStride + k·plane + p] for cnt images and kg channels
    /// (NCHW → chunk layout), and bias[k] = Σ of what was written (the chunk's bias-gradient partial).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void GatherActivated(float* src, float* y, int imageStride, int cnt, int kg, int plane, float* dst,
        ActivationKind act, float alpha, float* bias)
    {
        bool relu = act is ActivationKind.ReLU or ActivationKind.LeakyReLU;
        var slope = Vector512.Create(act == ActivationKind.LeakyReLU ? alpha : 0f);
        for (int k = 0; k < kg; k++)
        {
            float sum = 0f;
            for (int i = 0; i < cnt; i++)
            {
                float* s = src + (long)i * imageStride + (long)k * plane;
                float* yr = y == null ? null : y + (long)i * imageStride + (long)k * plane;
                float* d = dst + ((long)k * cnt + i) * plane;
                var dspan = new Span<float>(d, plane);
                var sspan = new ReadOnlySpan<float>(s, plane);
                if (act == ActivationKind.None) sspan.CopyTo(dspan);
                else if (relu && Vector512.IsHardwareAccelerated)
                {
                    int t = 0;
                    for (; t + 16 <= plane; t += 16)
                    {
                        var v = Vector512.Load(s + t);
                        var m = Vector512.GreaterThan(Vector512.Load(yr + t), Vector512<float>.Zero);
                        Vector512.ConditionalSelect(m, v, v * slope).Store(d + t);
                    }
                    for (; t < plane; t++) d[t] = yr[t] > 0f ? s[t] : (act == ActivationKind.LeakyReLU ? alpha * s[t] : 0f);
                }
                else if (act is ActivationKind.ReLU or ActivationKind.LeakyReLU)
                    ElementwiseKernels.SignSelectBackward(new ReadOnlySpan<float>(yr, plane), sspan, dspan, act == ActivationKind.LeakyReLU ? alpha : 0f);
                else if (act == ActivationKind.Sigmoid) ElementwiseKernels.SigmoidBackward(new ReadOnlySpan<float>(yr, plane), sspan, dspan);
                else ElementwiseKernels.TanhBackward(new ReadOnlySpan<float>(yr, plane), sspan, dspan);
                sum += TensorPrimitives.Sum(dspan);
            }
            bias[k] = sum;
        }
    }

    private static SgemmSettings GemmSettings(bool threaded) => threaded ? SgemmSettings.Current : ConvParallel.SingleThread;

    // chunks [start, end): col = im2col(x) per chunk and group (into the cache when there is one);
    // y = act(W_g·col + b), scattered to NCHW when a chunk holds several images
    private static void ForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var colBuf = j->Cache == null ? ConvScratch.Columns(j->BlockFloats) : null;
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* scratch = colBuf, stage = stageBuf)
        {
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* col = j->Cache == null ? scratch : j->Cache + ((long)c * g.Groups + grp) * j->BlockFloats;
                    Im2Col.Pack(j->X + (long)n0 * g.InputSize, j->XEnd, cnt, g, grp * g.GroupInputChannels, col, L);
                    var ep = new GemmEpilogue(null, j->Bias == null ? null : j->Bias + grp * kg, j->Activation, j->Alpha);
                    float* yg = j->Y + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    float* wg = j->W + (long)grp * kg * P;
                    if (cnt == 1)
                    {
                        Sgemm.Multiply(false, false, kg, L, P, 1f, wg, P, col, L, 0f, yg, L, ep, null, settings);
                    }
                    else
                    {
                        Sgemm.Multiply(false, false, kg, L, P, 1f, wg, P, col, L, 0f, stage, L, ep, null, settings);
                        ChunkToNchw(stage, cnt, kg, ohw, yg, g.OutputSize);
                    }
                }
            }
        }
    }

    // chunks [start, end): dcol = W_gᵀ·dY_g per chunk and group; dx = col2im(dcol) (these images' dx cleared first)
    private static void BackwardDataPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        // dcol starts Slack floats into its buffer: the direct col2im reads up to kw − 1 (≤ 15) floats before a
        // run and up to kw + 13 past the block's end (masked lanes; the memory must only exist).
        var colBuf = ConvScratch.Columns(j->BlockFloats + Im2Col.Slack + 64);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        int firstImage = start * nb, endImage = Math.Min(end * nb, g.Batch);
        float* dxEnd = j->Dx + (long)endImage * g.InputSize;
        bool direct = Im2Col.CanUnpackDirect(g);
        if (!direct) new Span<float>(j->Dx + (long)firstImage * g.InputSize, (endImage - firstImage) * g.InputSize).Clear();
        fixed (float* dcolBase = colBuf, stage = stageBuf)
        {
            float* dcol = dcolBase + Im2Col.Slack;
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* dyg = j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(true, false, P, L, kg, 1f, j->W + (long)grp * kg * P, P, dyg, L, 0f, dcol, L, default, null, settings);
                    if (direct) Im2Col.UnpackDirect(dcol, L, cnt, g, grp * g.GroupInputChannels, j->Dx + (long)n0 * g.InputSize, dxEnd);
                    else Im2Col.Unpack(dcol, L, cnt, g, grp * g.GroupInputChannels, j->Dx + (long)n0 * g.InputSize, dxEnd);
                }
            }
        }
    }

    // chunks [start, end): dW_chunk = dY_g·colᵀ per chunk and group, col from the cache or rebuilt
    // (chunk 0 writes dW itself, chunk c > 0 its partial)
    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var colBuf = j->CacheValid ? null : ConvScratch.Columns(j->BlockFloats);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* scratch = colBuf, stage = stageBuf)
        {
            for (int c = start; c < end; c++)
            {
                int n0 = c * nb, cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                float* dw = c == 0 ? j->Dw : j->Partials + (long)(c - 1) * g.WeightSize;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* col;
                    if (j->CacheValid) col = j->Cache + ((long)c * g.Groups + grp) * j->BlockFloats;
                    else
                    {
                        col = scratch;
                        Im2Col.Pack(j->X + (long)n0 * g.InputSize, j->XEnd, cnt, g, grp * g.GroupInputChannels, col, L);
                    }
                    float* dyg = j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(false, true, kg, P, L, 1f, dyg, L, col, L, 0f, dw + (long)grp * kg * P, P, default, null, settings);
                }
            }
        }
    }

    private struct ActivationJob
    {
        public float* Y, Dy, Dz;
        public int Count;
        public ActivationKind Activation;
        public float Alpha;
    }

    /// <summary>dz = dy ⊙ act′(y) from the output y (None, ReLU, LeakyReLU with alpha &gt; 0, Sigmoid, Tanh), split
    /// over the team in blocks of 16 Ki elements: a memory-bound pass, worth two cores for conv-sized tensors.</summary>
    public static void ActivationBackward(float* y, float* dy, float* dz, int count, ActivationKind act, float alpha)
    {
        const int Block = 16 * 1024;
        var job = new ActivationJob { Y = y, Dy = dy, Dz = dz, Count = count, Activation = act, Alpha = alpha };
        ConvParallel.For((count + Block - 1) / Block, Block, &ActivationPart, &job);
    }

    private static void ActivationPart(void* state, int start, int end, int part)
    {
        const int Block = 16 * 1024;
        var j = (ActivationJob*)state;
        int s = start * Block, e = Math.Min(end * Block, j->Count), n = e - s;
        var ys = new ReadOnlySpan<float>(j->Y + s, n);
        var dys = new ReadOnlySpan<float>(j->Dy + s, n);
        var dzs = new Span<float>(j->Dz + s, n);
        switch (j->Activation)
        {
            case ActivationKind.None: dys.CopyTo(dzs); break;
            case ActivationKind.ReLU: ElementwiseKernels.SignSelectBackward(ys, dys, dzs, 0f); break;
            case ActivationKind.LeakyReLU: ElementwiseKernels.SignSelectBackward(ys, dys, dzs, j->Alpha); break;
            case ActivationKind.Sigmoid: ElementwiseKernels.SigmoidBackward(ys, dys, dzs); break;
            case ActivationKind.Tanh: ElementwiseKernels.TanhBackward(ys, dys, dzs); break;
            default: throw new InvalidConfigurationException($"Activation {j->Activation} has no derivative from its output.");
        }
    }

    private struct BiasJob
    {
        public float* Dy, Db;
        public int Batch, Channels, Plane;
    }

    /// <summary>dbias[k] = Σ_n Σ_p dy[n, k, p] (split over channels: each thread owns whole channels).</summary>
    public static void BiasGradient(float* dy, float* dbias, int batch, int channels, int plane)
    {
        var job = new BiasJob { Dy = dy, Db = dbias, Batch = batch, Channels = channels, Plane = plane };
        ConvParallel.For(channels, (long)batch * plane, &BiasPart, &job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasPart(void* state, int start, int end, int part)
    {
        var j = (BiasJob*)state;
        for (int k = start; k < end; k++)
        {
            float s = 0f;
            for (int n = 0; n < j->Batch; n++)
                s += TensorPrimitives.Sum(new ReadOnlySpan<float>(j->Dy + ((long)n * j->Channels + k) * j->Plane, j->Plane));
            j->Db[k] = s;
        }
    }

    /// <summary>[Kg, cnt·plane] (chunk layout) → rows k of cnt NCHW images (image stride imageStride).</summary>
    private static void ChunkToNchw(float* src, int cnt, int kg, int plane, float* dst, int imageStride)
    {
        long bytes = plane * sizeof(float);
        for (int k = 0; k < kg; k++)
            for (int i = 0; i < cnt; i++)
                Buffer.MemoryCopy(src + ((long)k * cnt + i) * plane, dst + (long)i * imageStride + (long)k * plane, bytes, bytes);
    }

    /// <summary>Rows k of cnt NCHW images → [Kg, cnt·plane] (chunk layout).</summary>
    internal static void NchwToChunk(float* src, int imageStride, int cnt, int kg, int plane, float* dst)
    {
        long bytes = plane * sizeof(float);
        for (int k = 0; k < kg; k++)
            for (int i = 0; i < cnt; i++)
                Buffer.MemoryCopy(src + (long)i * imageStride + (long)k * plane, dst + ((long)k * cnt + i) * plane, bytes, bytes);
    }
}
