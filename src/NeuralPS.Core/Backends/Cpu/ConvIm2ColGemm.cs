using System.Numerics.Tensors;

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
