using System.Numerics.Tensors;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Convolution as im2col + SGEMM (NCHW), for any geometry.
///
/// Per chunk of nb images and per group, one GEMM:
///   forward         Y_g[Kg, L]  = act(W_g[Kg, P] · col[P, L] + bias)      (bias + activation in the GEMM epilogue)
///   backward-data   dcol[P, L]  = W_gᵀ · dY_g[Kg, L], then col2im into dx
///   backward-filter dW_g[Kg, P] += dY_g[Kg, L] · colᵀ                      (beta = 1 after a part's first chunk)
/// with P = C/groups·kh·kw and L = nb·OH·OW. One image per chunk reads and writes the NCHW tensors in
/// place; several images per chunk widen the GEMM (the seed CNN's second conv has only 121 output
/// pixels per image) at the price of a scatter/gather between [Kg, nb, OH·OW] and NCHW.
///
/// Threads: with a batch of at least two images per thread, the batch is split into one contiguous
/// range of images per thread of the SGEMM's team, and each thread runs im2col, a single-threaded
/// GEMM and the scatter on its own images (its col block stays in its own L2, and there is one
/// fork/join per call instead of one per GEMM and per memory pass). The filter gradient keeps one
/// partial per thread, summed in a fixed order. Smaller batches (inference) use one chunk at a time on
/// the calling thread with the GEMM itself on all threads.
/// <see cref="ChunkColumns"/> and <see cref="ImageParallel"/> are tuned by bench/NeuralPS.Bench -- conv.</summary>
internal static unsafe class ConvIm2ColGemm
{
    /// <summary>Target GEMM width (columns of the im2col block) per chunk of images.</summary>
    public static int ChunkColumns { get; set; } = 1024;

    /// <summary>Split batches over threads by image (true) or run the GEMMs multi-threaded (false).</summary>
    public static bool ImageParallel { get; set; } = true;

    private struct Job
    {
        public float* X, XEnd, W, Bias, Y, Dy, Dx, Dw, Partials;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
        public int ImagesPerChunk;
        public bool ThreadedGemm;
    }

    private static int Parts(in ConvolutionGeometry g) =>
        ImageParallel && g.Batch >= 2 * ConvParallel.Threads ? ConvParallel.PartsFor(g.Batch, g.Flops > 0 ? (long)(g.Flops / g.Batch) : 1) : 1;

    private static Job Plan(in ConvolutionGeometry g, int parts)
    {
        int perPart = (g.Batch + parts - 1) / parts;
        int nb = Math.Clamp((ChunkColumns + g.OutputPlane - 1) / g.OutputPlane, 1, Math.Max(perPart, 1));
        return new Job { G = g, ImagesPerChunk = nb, ThreadedGemm = parts == 1 };
    }

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha)
    {
        int parts = Parts(g);
        var job = Plan(g, parts);
        job.X = x; job.XEnd = x + (long)g.Batch * g.InputSize; job.W = w; job.Bias = bias; job.Y = y;
        job.Activation = act; job.Alpha = alpha;
        ConvParallel.ForParts(g.Batch, parts, &ForwardPart, &job);
    }

    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        int parts = Parts(g);
        var job = Plan(g, parts);
        job.Dy = dy; job.W = w; job.Dx = dx;
        ConvParallel.ForParts(g.Batch, parts, &BackwardDataPart, &job);
    }

    public static void BackwardFilter(float* x, float* dy, float* dw, float* dbias, in ConvolutionGeometry g)
    {
        int parts = Parts(g);
        var job = Plan(g, parts);
        var partials = ConvScratch.Partials((long)Math.Max(parts - 1, 1) * g.WeightSize);
        fixed (float* pp = partials)
        {
            job.X = x; job.XEnd = x + (long)g.Batch * g.InputSize; job.Dy = dy; job.Dw = dw; job.Partials = pp;
            int used = ConvParallel.ForParts(g.Batch, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(dw, g.WeightSize);
            for (int p = 1; p < used; p++)
                TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)(p - 1) * g.WeightSize, g.WeightSize), acc);
        }
        if (g.Batch == 0) new Span<float>(dw, g.WeightSize).Clear();
        if (dbias != null) BiasGradient(dy, dbias, g.Batch, g.Filters, g.OutputPlane);
    }

    private static SgemmSettings GemmSettings(bool threaded) => threaded ? SgemmSettings.Current : ConvParallel.SingleThread;

    // images [start, end): col = im2col(x) per chunk and group; y = act(W_g·col + b) (scattered to NCHW when nb > 1)
    private static void ForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var colBuf = ConvScratch.Columns((long)P * nb * ohw + Im2Col.Slack);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* col = colBuf, stage = stageBuf)
        {
            for (int n0 = start; n0 < end; n0 += nb)
            {
                int cnt = Math.Min(nb, end - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
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

    // images [start, end): dcol = W_gᵀ·dY_g per chunk and group; dx = col2im(dcol) (dx of these images cleared first)
    private static void BackwardDataPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        var colBuf = ConvScratch.Columns((long)P * nb * ohw + Im2Col.Slack);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        float* dxEnd = j->Dx + (long)end * g.InputSize;
        new Span<float>(j->Dx + (long)start * g.InputSize, (end - start) * g.InputSize).Clear();
        fixed (float* dcol = colBuf, stage = stageBuf)
        {
            for (int n0 = start; n0 < end; n0 += nb)
            {
                int cnt = Math.Min(nb, end - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* dyg = j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(true, false, P, L, kg, 1f, j->W + (long)grp * kg * P, P, dyg, L, 0f, dcol, L, default, null, settings);
                    Im2Col.Unpack(dcol, L, cnt, g, grp * g.GroupInputChannels, j->Dx + (long)n0 * g.InputSize, dxEnd);
                }
            }
        }
    }

    // images [start, end): dW_part += dY_g·im2col(x)ᵀ per chunk and group (part 0 writes dW itself)
    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        int nb = j->ImagesPerChunk, P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var settings = GemmSettings(j->ThreadedGemm);
        float* dw = part == 0 ? j->Dw : j->Partials + (long)(part - 1) * g.WeightSize;
        var colBuf = ConvScratch.Columns((long)P * nb * ohw + Im2Col.Slack);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* col = colBuf, stage = stageBuf)
        {
            for (int n0 = start; n0 < end; n0 += nb)
            {
                int cnt = Math.Min(nb, end - n0), L = cnt * ohw;
                float beta = n0 == start ? 0f : 1f;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    Im2Col.Pack(j->X + (long)n0 * g.InputSize, j->XEnd, cnt, g, grp * g.GroupInputChannels, col, L);
                    float* dyg = j->Dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(false, true, kg, P, L, 1f, dyg, L, col, L, beta, dw + (long)grp * kg * P, P, default, null, settings);
                }
            }
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
    private static void NchwToChunk(float* src, int imageStride, int cnt, int kg, int plane, float* dst)
    {
        long bytes = plane * sizeof(float);
        for (int k = 0; k < kg; k++)
            for (int i = 0; i < cnt; i++)
                Buffer.MemoryCopy(src + (long)i * imageStride + (long)k * plane, dst + ((long)k * cnt + i) * plane, bytes, bytes);
    }
}
