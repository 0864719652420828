using System.Numerics.Tensors;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Convolution as im2col + SGEMM over chunks of images (NCHW).
///
/// A chunk of nb images and one group gives one GEMM per pass:
///   forward         Y_g[Kg, L]  = act(W_g[Kg, P] · col[P, L] + bias)      (bias+activation in the GEMM epilogue)
///   backward-data   dcol[P, L]  = W_gᵀ · dY_g[Kg, L], then col2im into dx
///   backward-filter dW_g[Kg, P] += dY_g[Kg, L] · colᵀ                      (beta = 1 after the first chunk)
/// with P = C/groups·kh·kw and L = nb·OH·OW. Batching images widens the GEMM (the seed CNN's second
/// conv has only 121 output pixels per image: one image per GEMM leaves the 2-thread SGEMM with tiny
/// panels), at the price of a scatter/gather between the chunk layout [Kg, nb, OH·OW] and NCHW; with one
/// image per chunk the GEMM reads and writes the NCHW tensors in place. The chunk aims at
/// <see cref="ChunkColumns"/> columns (tuned by bench/NeuralPS.Bench -- conv).
/// The SGEMM parallelises itself over the cores; the memory-bound passes around it (im2col, col2im,
/// scatter, gather) run on all cores between GEMM calls, never inside one, so nothing nests.</summary>
internal static unsafe class ConvIm2ColGemm
{
    /// <summary>Target GEMM width (columns of the im2col matrix) per chunk of images.</summary>
    public static int ChunkColumns { get; set; } = 4096;

    public static int ImagesPerChunk(in ConvolutionGeometry g) =>
        Math.Clamp((ChunkColumns + g.OutputPlane - 1) / g.OutputPlane, 1, Math.Max(g.Batch, 1));

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha)
    {
        int nb = ImagesPerChunk(g), P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var colBuf = ConvScratch.Columns((long)P * nb * ohw);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* col = colBuf, stage = stageBuf)
        {
            for (int n0 = 0; n0 < g.Batch; n0 += nb)
            {
                int cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    Im2Col.Pack(x + (long)n0 * g.InputSize, cnt, g, grp * g.GroupInputChannels, col, L);
                    var ep = new GemmEpilogue(null, bias == null ? null : bias + grp * kg, act, alpha);
                    float* yg = y + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt == 1)
                    {
                        Sgemm.Multiply(false, false, kg, L, P, 1f, w + (long)grp * kg * P, P, col, L, 0f, yg, L, ep);
                    }
                    else
                    {
                        Sgemm.Multiply(false, false, kg, L, P, 1f, w + (long)grp * kg * P, P, col, L, 0f, stage, L, ep);
                        ChunkToNchw(stage, cnt, kg, ohw, yg, g.OutputSize);
                    }
                }
            }
        }
    }

    public static void BackwardData(float* dy, float* w, float* dx, in ConvolutionGeometry g)
    {
        int nb = ImagesPerChunk(g), P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var colBuf = ConvScratch.Columns((long)P * nb * ohw);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        new Span<float>(dx, g.Batch * g.InputSize).Clear();
        fixed (float* dcol = colBuf, stage = stageBuf)
        {
            for (int n0 = 0; n0 < g.Batch; n0 += nb)
            {
                int cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* dyg = dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(true, false, P, L, kg, 1f, w + (long)grp * kg * P, P, dyg, L, 0f, dcol, L);
                    Im2Col.Unpack(dcol, L, cnt, g, grp * g.GroupInputChannels, dx + (long)n0 * g.InputSize);
                }
            }
        }
    }

    public static void BackwardFilter(float* x, float* dy, float* dw, float* dbias, in ConvolutionGeometry g)
    {
        int nb = ImagesPerChunk(g), P = g.PatchSize, kg = g.GroupFilters, ohw = g.OutputPlane;
        var colBuf = ConvScratch.Columns((long)P * nb * ohw);
        var stageBuf = nb > 1 ? ConvScratch.Staging((long)kg * nb * ohw) : null;
        fixed (float* col = colBuf, stage = stageBuf)
        {
            for (int n0 = 0; n0 < g.Batch; n0 += nb)
            {
                int cnt = Math.Min(nb, g.Batch - n0), L = cnt * ohw;
                float beta = n0 == 0 ? 0f : 1f;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    Im2Col.Pack(x + (long)n0 * g.InputSize, cnt, g, grp * g.GroupInputChannels, col, L);
                    float* dyg = dy + (long)n0 * g.OutputSize + (long)grp * kg * ohw;
                    if (cnt > 1) { NchwToChunk(dyg, g.OutputSize, cnt, kg, ohw, stage); dyg = stage; }
                    Sgemm.Multiply(false, true, kg, P, L, 1f, dyg, L, col, L, beta, dw + (long)grp * kg * P, P);
                }
            }
        }
        if (g.Batch == 0) new Span<float>(dw, g.WeightSize).Clear();
        if (dbias != null) BiasGradient(dy, dbias, g.Batch, g.Filters, ohw);
    }

    /// <summary>dbias[k] = Σ_n Σ_p dy[n, k, p] (split over channels: each thread owns whole channels).</summary>
    public static void BiasGradient(float* dy, float* dbias, int batch, int channels, int plane)
    {
        nint pdy = (nint)dy, pdb = (nint)dbias;
        ConvParallel.For(channels, (long)batch * plane, (start, end) =>
        {
            for (int k = start; k < end; k++)
            {
                float s = 0f;
                for (int n = 0; n < batch; n++)
                    s += TensorPrimitives.Sum(new ReadOnlySpan<float>((float*)pdy + ((long)n * channels + k) * plane, plane));
                ((float*)pdb)[k] = s;
            }
        });
    }

    /// <summary>[Kg, cnt·plane] (chunk layout) → NCHW rows k of cnt images (image stride imageStride).</summary>
    private static void ChunkToNchw(float* src, int cnt, int kg, int plane, float* dst, int imageStride)
    {
        nint ps = (nint)src, pd = (nint)dst;
        ConvParallel.For(kg, (long)cnt * plane, (start, end) =>
        {
            for (int k = start; k < end; k++)
                for (int i = 0; i < cnt; i++)
                    Buffer.MemoryCopy((float*)ps + ((long)k * cnt + i) * plane, (float*)pd + (long)i * imageStride + (long)k * plane,
                        plane * sizeof(float), plane * sizeof(float));
        });
    }

    /// <summary>NCHW rows k of cnt images → [Kg, cnt·plane] (chunk layout).</summary>
    private static void NchwToChunk(float* src, int imageStride, int cnt, int kg, int plane, float* dst)
    {
        nint ps = (nint)src, pd = (nint)dst;
        ConvParallel.For(kg, (long)cnt * plane, (start, end) =>
        {
            for (int k = start; k < end; k++)
                for (int i = 0; i < cnt; i++)
                    Buffer.MemoryCopy((float*)ps + (long)i * imageStride + (long)k * plane, (float*)pd + ((long)k * cnt + i) * plane,
                        plane * sizeof(float), plane * sizeof(float));
        });
    }
}
