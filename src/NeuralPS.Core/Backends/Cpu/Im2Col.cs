using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>im2col and its adjoint col2im for a chunk of images and one channel group.
///
/// Layout of the column matrix ("col", P rows × nb·OH·OW columns, row stride ld):
///   col[(c·kh + i)·kw + j, img·OH·OW + oy·OW + ox] = x[img, c0 + c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw]
/// (0 outside the image), so one GEMM W_g[Kg, P] · col gives the chunk's outputs for the group as
/// [Kg, nb·OH·OW]. Each (row, image, output row) is a zero-fill / copy / zero-fill of three runs whose
/// bounds are computed once per kernel tap; with stride 1 the copy is a contiguous block move.
/// Work is split over (channel, image) pairs: they write disjoint parts of col (im2col) and of dx
/// (col2im), so the threads never share a cache line they write.</summary>
internal static unsafe class Im2Col
{
    /// <summary>Fills col with channels [c0, c0 + C/groups) of <paramref name="images"/> images that start at x
    /// (image stride C·H·W).</summary>
    public static void Pack(float* x, int images, in ConvolutionGeometry geometry, int c0, float* col, int ld)
    {
        var g = geometry;
        nint px = (nint)x, pcol = (nint)col;
        int cg = g.GroupInputChannels;
        ConvParallel.For(cg * images, (long)g.KernelArea * g.OutputPlane, (start, end) =>
        {
            for (int t = start; t < end; t++)
            {
                int c = t / images, img = t - c * images;
                PackOne((float*)px + (long)img * g.InputSize + (long)(c0 + c) * g.InputPlane, g,
                    (float*)pcol + (long)c * g.KernelArea * ld + (long)img * g.OutputPlane, ld);
            }
        });
    }

    /// <summary>dx[img, c0 + c, iy, ix] += every col entry that im2col would have read from there
    /// (dx must be cleared by the caller; accumulation is needed because windows overlap).</summary>
    public static void Unpack(float* col, int ld, int images, in ConvolutionGeometry geometry, int c0, float* dx)
    {
        var g = geometry;
        nint pdx = (nint)dx, pcol = (nint)col;
        int cg = g.GroupInputChannels;
        ConvParallel.For(cg * images, (long)g.KernelArea * g.OutputPlane, (start, end) =>
        {
            for (int t = start; t < end; t++)
            {
                int c = t / images, img = t - c * images;
                UnpackOne((float*)pcol + (long)c * g.KernelArea * ld + (long)img * g.OutputPlane, ld, g,
                    (float*)pdx + (long)img * g.InputSize + (long)(c0 + c) * g.InputPlane);
            }
        });
    }

    /// <summary>First output index whose input coordinate o·stride − pad + offset is ≥ 0, and the end of
    /// the run whose coordinate stays &lt; size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Lo, int Hi) ValidRange(int outSize, int inSize, int stride, int offset)
    {
        // coordinate = o·stride + offset, offset = tap·dilation − pad
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = inSize - 1 - offset; // o·stride ≤ last
        int hi = last < 0 ? 0 : last / stride + 1;
        if (hi > outSize) hi = outSize;
        if (lo > hi) lo = hi;
        return (lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackOne(float* src, in ConvolutionGeometry g, float* dst, int ld)
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, w = g.InputWidth, sw = g.StrideWidth;
        for (int i = 0; i < g.KernelHeight; i++)
        {
            int offY = i * g.DilationHeight - g.PadTop;
            var (yLo, yHi) = ValidRange(oh, g.InputHeight, g.StrideHeight, offY);
            for (int j = 0; j < g.KernelWidth; j++, dst += ld)
            {
                int offX = j * g.DilationWidth - g.PadLeft;
                var (xLo, xHi) = ValidRange(ow, w, sw, offX);
                int run = xHi - xLo;
                if (yLo > 0) new Span<float>(dst, yLo * ow).Clear();
                for (int oy = yLo; oy < yHi; oy++)
                {
                    float* d = dst + oy * ow;
                    float* s = src + (oy * g.StrideHeight + offY) * w + xLo * sw + offX;
                    if (xLo > 0) new Span<float>(d, xLo).Clear();
                    if (sw == 1) Buffer.MemoryCopy(s, d + xLo, run * sizeof(float), run * sizeof(float));
                    else for (int ox = 0; ox < run; ox++) d[xLo + ox] = s[ox * sw];
                    if (xHi < ow) new Span<float>(d + xHi, ow - xHi).Clear();
                }
                if (yHi < oh) new Span<float>(dst + yHi * ow, (oh - yHi) * ow).Clear();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnpackOne(float* col, int ld, in ConvolutionGeometry g, float* dst)
    {
        int ow = g.OutputWidth, w = g.InputWidth, sw = g.StrideWidth;
        for (int i = 0; i < g.KernelHeight; i++)
        {
            int offY = i * g.DilationHeight - g.PadTop;
            var (yLo, yHi) = ValidRange(g.OutputHeight, g.InputHeight, g.StrideHeight, offY);
            for (int j = 0; j < g.KernelWidth; j++, col += ld)
            {
                int offX = j * g.DilationWidth - g.PadLeft;
                var (xLo, xHi) = ValidRange(ow, w, sw, offX);
                int run = xHi - xLo;
                if (run <= 0) continue;
                for (int oy = yLo; oy < yHi; oy++)
                {
                    float* s = col + oy * ow + xLo;
                    float* d = dst + (oy * g.StrideHeight + offY) * w + xLo * sw + offX;
                    if (sw == 1)
                    {
                        var ds = new Span<float>(d, run);
                        TensorPrimitives.Add(ds, new ReadOnlySpan<float>(s, run), ds);
                    }
                    else for (int ox = 0; ox < run; ox++) d[ox * sw] += s[ox];
                }
            }
        }
    }
}
