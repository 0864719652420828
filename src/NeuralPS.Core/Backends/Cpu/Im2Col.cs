using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>im2col and its adjoint col2im for a chunk of images and one channel group (serial: the
/// caller splits the batch over threads).
///
/// Layout of the column matrix ("col", P rows × nb·OH·OW columns, row stride ld):
///   col[(c·kh + i)·kw + j, img·OH·OW + oy·OW + ox] = x[img, c0 + c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw]
/// (0 outside the image), so one GEMM W_g[Kg, P] · col gives the chunk's outputs for the group as
/// [Kg, nb·OH·OW]. Each (row, image, output row) is a run of zeros / a copy / zeros whose bounds are
/// computed once per kernel tap.
///
/// Speed: a 3×3 conv over 13×13 images makes runs of only 11 floats, so per-run overhead decides.
/// With stride 1 every run is whole vectors (16, 8 or 4 floats: the widest width the CPU has, one kernel
/// source over <see cref="ISimd{TV}"/>), unaligned loads and stores that may
/// spill up to 15 floats past the run's end. That is harmless because col is written strictly in
/// address order (row by row, image by image, output row by output row), so a spill only ever lands
/// where a later store writes the right value, or in the 16 floats of slack the caller leaves after
/// the matrix (<see cref="Slack"/>). Loads past the run's end stay inside x (checked against xEnd).
/// col2im adds with a lane mask and only uses full vectors that stay inside the images the caller
/// owns (dxEnd), so it never writes memory another thread may be updating.</summary>
internal static unsafe class Im2Col
{
    /// <summary>Floats the caller must leave writable after the last column of col.</summary>
    public const int Slack = 16;

    /// <summary>Fills col with channels [c0, c0 + C/groups) of <paramref name="images"/> images starting at x
    /// (image stride C·H·W). xEnd = one past the last float of x that may be read.</summary>
    public static void Pack(float* x, float* xEnd, int images, in ConvolutionGeometry g, int c0, float* col, int ld)
    {
        if (Simd512.IsSupported) Pack<Simd512, Vector512<float>>(x, xEnd, images, g, c0, col, ld);
        else if (Simd256.IsSupported) Pack<Simd256, Vector256<float>>(x, xEnd, images, g, c0, col, ld);
        else Pack<Simd128, Vector128<float>>(x, xEnd, images, g, c0, col, ld);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack<TS, TV>(float* x, float* xEnd, int images, in ConvolutionGeometry g, int c0, float* col, int ld)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, w = g.InputWidth, sw = g.StrideWidth, ohw = g.OutputPlane, lanes = TS.Lanes;
        bool vector = sw == 1;
        float* row = col;
        for (int c = 0; c < g.GroupInputChannels; c++)
        {
            float* plane0 = x + (long)(c0 + c) * g.InputPlane;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int offY = i * g.DilationHeight - g.PadTop;
                var (yLo, yHi) = ValidRange(oh, g.InputHeight, g.StrideHeight, offY);
                for (int j = 0; j < g.KernelWidth; j++, row += ld)
                {
                    int offX = j * g.DilationWidth - g.PadLeft;
                    var (xLo, xHi) = ValidRange(ow, w, sw, offX);
                    int run = xHi - xLo;
                    for (int img = 0; img < images; img++)
                    {
                        float* dst = row + (long)img * ohw;
                        float* src = plane0 + (long)img * g.InputSize;
                        if (yLo > 0) new Span<float>(dst, yLo * ow).Clear();
                        for (int oy = yLo; oy < yHi; oy++)
                        {
                            float* d = dst + oy * ow;
                            float* s = src + (oy * g.StrideHeight + offY) * w + xLo * sw + offX;
                            if (vector && s + (run + lanes - 1) / lanes * lanes <= xEnd)
                            {
                                // Whole vectors; spills are overwritten by the stores that follow.
                                for (int t = 0; t < xLo; t += lanes) TS.Store(TS.Zero, d + t);
                                for (int t = 0; t < run; t += lanes) TS.Store(TS.Load(s + t), d + xLo + t);
                                for (int t = xHi; t < ow; t += lanes) TS.Store(TS.Zero, d + t);
                            }
                            else
                            {
                                if (xLo > 0) new Span<float>(d, xLo).Clear();
                                if (sw == 1) Buffer.MemoryCopy(s, d + xLo, run * sizeof(float), run * sizeof(float));
                                else for (int ox = 0; ox < run; ox++) d[xLo + ox] = s[ox * sw];
                                if (xHi < ow) new Span<float>(d + xHi, ow - xHi).Clear();
                            }
                        }
                        if (yHi < oh) new Span<float>(dst + yHi * ow, (oh - yHi) * ow).Clear();
                    }
                }
            }
        }
    }

    /// <summary>dx[img, c0 + c, iy, ix] += every col entry that im2col would have read from there
    /// (the caller clears dx first: windows overlap). dxEnd = one past the last float of dx this call may
    /// touch (the caller's images); col must have <see cref="Slack"/> readable floats after its end.</summary>
    public static void Unpack(float* col, int ld, int images, in ConvolutionGeometry g, int c0, float* dx, float* dxEnd)
    {
        if (Simd512.IsSupported) Unpack<Simd512, Vector512<float>>(col, ld, images, g, c0, dx, dxEnd);
        else if (Simd256.IsSupported) Unpack<Simd256, Vector256<float>>(col, ld, images, g, c0, dx, dxEnd);
        else Unpack<Simd128, Vector128<float>>(col, ld, images, g, c0, dx, dxEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpack<TS, TV>(float* col, int ld, int images, in ConvolutionGeometry g, int c0, float* dx, float* dxEnd)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int ow = g.OutputWidth, w = g.InputWidth, sw = g.StrideWidth, ohw = g.OutputPlane, lanes = TS.Lanes;
        bool vector = sw == 1;
        var lane = TS.Indices;
        float* row = col;
        for (int c = 0; c < g.GroupInputChannels; c++)
        {
            float* plane0 = dx + (long)(c0 + c) * g.InputPlane;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                int offY = i * g.DilationHeight - g.PadTop;
                var (yLo, yHi) = ValidRange(g.OutputHeight, g.InputHeight, g.StrideHeight, offY);
                for (int j = 0; j < g.KernelWidth; j++, row += ld)
                {
                    int offX = j * g.DilationWidth - g.PadLeft;
                    var (xLo, xHi) = ValidRange(ow, w, sw, offX);
                    int run = xHi - xLo;
                    if (run <= 0) continue;
                    int full = run - run % lanes, tail = run - full;
                    var tailMask = TS.GreaterThan(TS.Create(tail), lane);
                    for (int img = 0; img < images; img++)
                    {
                        float* srcImg = row + (long)img * ohw;
                        float* dstImg = plane0 + (long)img * g.InputSize;
                        for (int oy = yLo; oy < yHi; oy++)
                        {
                            float* s = srcImg + oy * ow + xLo;
                            float* d = dstImg + (oy * g.StrideHeight + offY) * w + xLo * sw + offX;
                            if (vector && d + full + lanes <= dxEnd)
                            {
                                int t = 0;
                                for (; t < full; t += lanes) TS.Store(TS.Add(TS.Load(d + t), TS.Load(s + t)), d + t);
                                if (tail > 0)
                                    TS.Store(TS.Add(TS.Load(d + t), TS.Select(tailMask, TS.Load(s + t), TS.Zero)), d + t);
                            }
                            else if (sw == 1)
                            {
                                for (int t = 0; t < run; t++) d[t] += s[t];
                            }
                            else
                            {
                                for (int ox = 0; ox < run; ox++) d[ox * sw] += s[ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Whether <see cref="UnpackDirect"/> handles this geometry.</summary>
    public static bool CanUnpackDirect(in ConvolutionGeometry g) =>
        (Simd512.IsSupported || Simd256.IsSupported || Simd128.IsSupported) && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.KernelWidth <= 16 && g.PadLeft < 16;

    /// <summary>col2im for stride 1, dilation 1, writing (not adding) every element of the group's dx planes:
    /// dx[img, c0 + c, iy, ix] = Σ_{i, j} col[(c·kh + i)·kw + j, img·OH·OW + (iy + padTop − i)·OW + (ix + padLeft − j)]
    /// over the taps whose output position exists. Each 16-wide run of a dx row is summed in a register
    /// from kh·kw shifted loads of col, masked to the taps' valid output columns, and stored once —
    /// instead of kh·kw read-modify-write passes over dx. The last, partial vector of a row is blended
    /// with what is there; it only does so inside [dx, dxEnd) (the caller's images), else scalar.
    /// col needs 16 readable floats before its start and kw + 13 after its end (masked lanes only).</summary>
    public static void UnpackDirect(float* col, int ld, int images, in ConvolutionGeometry g, int c0, float* dx, float* dxEnd)
    {
        if (Simd512.IsSupported) UnpackDirect<Simd512, Vector512<float>>(col, ld, images, g, c0, dx, dxEnd);
        else if (Simd256.IsSupported) UnpackDirect<Simd256, Vector256<float>>(col, ld, images, g, c0, dx, dxEnd);
        else UnpackDirect<Simd128, Vector128<float>>(col, ld, images, g, c0, dx, dxEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnpackDirect<TS, TV>(float* col, int ld, int images, in ConvolutionGeometry g, int c0, float* dx, float* dxEnd)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int oh = g.OutputHeight, ow = g.OutputWidth, h = g.InputHeight, w = g.InputWidth, ohw = g.OutputPlane, lanes = TS.Lanes;
        int kh = g.KernelHeight, kw = g.KernelWidth, ka = g.KernelArea, pt = g.PadTop, pl = g.PadLeft;
        var lane = TS.Indices;
        TV* masks = stackalloc TV[16];
        float* spill = stackalloc float[16];
        for (int c = 0; c < g.GroupInputChannels; c++)
        {
            float* rows = col + (long)c * ka * ld;
            for (int img = 0; img < images; img++)
            {
                float* plane = dx + (long)img * g.InputSize + (long)(c0 + c) * g.InputPlane;
                float* seg = rows + (long)img * ohw;
                for (int x0 = 0; x0 < w; x0 += lanes)
                {
                    // mask_j: lanes ix = x0 + lane whose output column ix + pl − j lies in [0, ow) and ix < w
                    var inside = TS.GreaterThan(TS.Create(w - x0), lane);
                    for (int j = 0; j < kw; j++)
                    {
                        float lo = j - pl - x0, hi = ow + j - pl - x0;
                        masks[j] = TS.And(TS.And(TS.GreaterThanOrEqual(lane, TS.Create(lo)), TS.GreaterThan(TS.Create(hi), lane)), inside);
                    }
                    bool partial = x0 + lanes > w;
                    for (int iy = 0; iy < h; iy++)
                    {
                        var acc = TS.Zero;
                        for (int i = 0; i < kh; i++)
                        {
                            int oy = iy + pt - i;
                            if ((uint)oy >= (uint)oh) continue;
                            float* r = seg + (long)i * kw * ld + oy * ow + x0 + pl;
                            for (int j = 0; j < kw; j++, r += ld)
                                acc = TS.Add(acc, TS.Select(masks[j], TS.Load(r - j), TS.Zero));
                        }
                        float* d = plane + iy * w + x0;
                        if (!partial) TS.Store(acc, d);
                        else if (d + lanes <= dxEnd) TS.Store(TS.Select(inside, acc, TS.Load(d)), d);
                        else
                        {
                            TS.Store(acc, spill);
                            for (int t = 0; t < w - x0; t++) d[t] = spill[t];
                        }
                    }
                }
            }
        }
    }

    /// <summary>First output index whose input coordinate o·stride + offset is ≥ 0, and the end of the
    /// run whose coordinate stays &lt; inSize (offset = tap·dilation − pad).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Lo, int Hi) ValidRange(int outSize, int inSize, int stride, int offset)
    {
        // long: with padding near 2^30 and a stride near 2^31, -offset + stride - 1 overflows an int and a
        // row outside the image looked valid (an out-of-bounds read in Pack).
        long lo = offset >= 0 ? 0 : (-(long)offset + stride - 1) / stride;
        long last = (long)inSize - 1 - offset; // o·stride ≤ last
        long hi = last < 0 ? 0 : last / stride + 1;
        if (hi > outSize) hi = outSize;
        if (lo > hi) lo = hi;
        return ((int)lo, (int)hi);
    }
}
