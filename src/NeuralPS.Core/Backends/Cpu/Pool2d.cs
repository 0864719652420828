using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Max and average pooling over NCHW planes. Each (image, channel) plane is independent, so
/// the work is split over planes across the cores. The general kernels clip each window to the image
/// once per output row/column (padding never enters a max, and is counted or not in an average); the
/// 2×2 stride-2 unpadded max pool of most CNNs has its own loop that handles two output columns at
/// a time without bound checks.</summary>
internal static unsafe class Pool2d
{
    public static void MaxForward(float* x, float* y, int* argmax, in PoolingGeometry geometry)
    {
        var g = geometry;
        nint px = (nint)x, py = (nint)y, pa = (nint)argmax;
        ConvParallel.For(g.Batch * g.Channels, g.InputPlane, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                float* xs = (float*)px + (long)p * g.InputPlane;
                float* ys = (float*)py + (long)p * g.OutputPlane;
                int* a = pa == 0 ? null : (int*)pa + (long)p * g.OutputPlane;
                if (g.WindowHeight == 2 && g.WindowWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2
                    && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutputHeight <= g.InputHeight && 2 * g.OutputWidth <= g.InputWidth && a != null)
                    MaxPlane2x2(xs, ys, a, g);
                else
                    MaxPlane(xs, ys, a, g);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlane(float* xs, float* ys, int* a, in PoolingGeometry g)
    {
        int w = g.InputWidth;
        for (int oy = 0; oy < g.OutputHeight; oy++)
        {
            int y0 = oy * g.StrideHeight - g.PadTop;
            int yLo = Math.Max(y0, 0), yHi = Math.Min(y0 + g.WindowHeight, g.InputHeight);
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                int x0 = ox * g.StrideWidth - g.PadLeft;
                int xLo = Math.Max(x0, 0), xHi = Math.Min(x0 + g.WindowWidth, w);
                float best = float.NegativeInfinity;
                int bi = yLo * w + xLo;
                for (int iy = yLo; iy < yHi; iy++)
                    for (int ix = xLo; ix < xHi; ix++)
                    {
                        float v = xs[iy * w + ix];
                        if (v > best || float.IsNaN(v)) { best = v; bi = iy * w + ix; }
                    }
                ys[oy * g.OutputWidth + ox] = best;
                if (a != null) a[oy * g.OutputWidth + ox] = bi;
            }
        }
    }

    /// <summary>2×2 windows, stride 2, no padding: output (oy, ox) reads rows 2oy, 2oy+1, columns 2ox, 2ox+1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlane2x2(float* xs, float* ys, int* a, in PoolingGeometry g)
    {
        int w = g.InputWidth, ow = g.OutputWidth;
        for (int oy = 0; oy < g.OutputHeight; oy++)
        {
            float* r0 = xs + 2 * oy * w;
            float* r1 = r0 + w;
            int baseIndex = 2 * oy * w;
            for (int ox = 0; ox < ow; ox++)
            {
                int c = 2 * ox;
                float best = r0[c]; int bi = baseIndex + c;
                float v = r0[c + 1]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + c + 1; }
                v = r1[c]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + w + c; }
                v = r1[c + 1]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + w + c + 1; }
                ys[oy * ow + ox] = best;
                a[oy * ow + ox] = bi;
            }
        }
    }

    public static void MaxBackward(float* x, float* dy, float* dx, int* argmax, in PoolingGeometry geometry)
    {
        var g = geometry;
        nint px = (nint)x, pdy = (nint)dy, pdx = (nint)dx, pa = (nint)argmax;
        ConvParallel.For(g.Batch * g.Channels, g.InputPlane, (start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                float* dxs = (float*)pdx + (long)p * g.InputPlane;
                float* dys = (float*)pdy + (long)p * g.OutputPlane;
                new Span<float>(dxs, g.InputPlane).Clear();
                if (pa != 0)
                {
                    int* a = (int*)pa + (long)p * g.OutputPlane;
                    for (int o = 0; o < g.OutputPlane; o++) dxs[a[o]] += dys[o];
                }
                else
                {
                    float* xs = (float*)px + (long)p * g.InputPlane;
                    int w = g.InputWidth;
                    for (int oy = 0; oy < g.OutputHeight; oy++)
                    {
                        int y0 = oy * g.StrideHeight - g.PadTop;
                        int yLo = Math.Max(y0, 0), yHi = Math.Min(y0 + g.WindowHeight, g.InputHeight);
                        for (int ox = 0; ox < g.OutputWidth; ox++)
                        {
                            int x0 = ox * g.StrideWidth - g.PadLeft;
                            int xLo = Math.Max(x0, 0), xHi = Math.Min(x0 + g.WindowWidth, w);
                            float best = float.NegativeInfinity;
                            int bi = yLo * w + xLo;
                            for (int iy = yLo; iy < yHi; iy++)
                                for (int ix = xLo; ix < xHi; ix++)
                                {
                                    float v = xs[iy * w + ix];
                                    if (v > best || float.IsNaN(v)) { best = v; bi = iy * w + ix; }
                                }
                            dxs[bi] += dys[oy * g.OutputWidth + ox];
                        }
                    }
                }
            }
        });
    }

    public static void AvgForward(float* x, float* y, in PoolingGeometry geometry, bool countIncludePad)
    {
        var g = geometry;
        nint px = (nint)x, py = (nint)y;
        ConvParallel.For(g.Batch * g.Channels, g.InputPlane, (start, end) =>
        {
            int w = g.InputWidth;
            for (int p = start; p < end; p++)
            {
                float* xs = (float*)px + (long)p * g.InputPlane;
                float* ys = (float*)py + (long)p * g.OutputPlane;
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    int y0 = oy * g.StrideHeight - g.PadTop;
                    int yLo = Math.Max(y0, 0), yHi = Math.Min(y0 + g.WindowHeight, g.InputHeight);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        int x0 = ox * g.StrideWidth - g.PadLeft;
                        int xLo = Math.Max(x0, 0), xHi = Math.Min(x0 + g.WindowWidth, w);
                        float s = 0f;
                        for (int iy = yLo; iy < yHi; iy++)
                            for (int ix = xLo; ix < xHi; ix++) s += xs[iy * w + ix];
                        ys[oy * g.OutputWidth + ox] = s / Divisor(g, y0, x0, yHi - yLo, xHi - xLo, countIncludePad);
                    }
                }
            }
        });
    }

    public static void AvgBackward(float* dy, float* dx, in PoolingGeometry geometry, bool countIncludePad)
    {
        var g = geometry;
        nint pdy = (nint)dy, pdx = (nint)dx;
        ConvParallel.For(g.Batch * g.Channels, g.InputPlane, (start, end) =>
        {
            int w = g.InputWidth;
            for (int p = start; p < end; p++)
            {
                float* dxs = (float*)pdx + (long)p * g.InputPlane;
                float* dys = (float*)pdy + (long)p * g.OutputPlane;
                new Span<float>(dxs, g.InputPlane).Clear();
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    int y0 = oy * g.StrideHeight - g.PadTop;
                    int yLo = Math.Max(y0, 0), yHi = Math.Min(y0 + g.WindowHeight, g.InputHeight);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        int x0 = ox * g.StrideWidth - g.PadLeft;
                        int xLo = Math.Max(x0, 0), xHi = Math.Min(x0 + g.WindowWidth, w);
                        float d = dys[oy * g.OutputWidth + ox] / Divisor(g, y0, x0, yHi - yLo, xHi - xLo, countIncludePad);
                        for (int iy = yLo; iy < yHi; iy++)
                            for (int ix = xLo; ix < xHi; ix++) dxs[iy * w + ix] += d;
                    }
                }
            }
        });
    }

    /// <summary>PyTorch's divisor: with count_include_pad the window clipped to the padded image
    /// (which, for floor-mode output sizes, is the full window), else the real elements only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Divisor(in PoolingGeometry g, int y0, int x0, int rows, int cols, bool countIncludePad)
    {
        if (!countIncludePad) return rows * cols;
        int yEnd = Math.Min(y0 + g.WindowHeight, g.InputHeight + g.PadBottom);
        int xEnd = Math.Min(x0 + g.WindowWidth, g.InputWidth + g.PadRight);
        return (yEnd - y0) * (xEnd - x0);
    }

    public static void GlobalAvgForward(float* x, float* y, int planes, int plane)
    {
        nint px = (nint)x, py = (nint)y;
        float inv = 1f / plane;
        ConvParallel.For(planes, plane, (start, end) =>
        {
            for (int p = start; p < end; p++)
                ((float*)py)[p] = TensorPrimitives.Sum(new ReadOnlySpan<float>((float*)px + (long)p * plane, plane)) * inv;
        });
    }

    public static void GlobalAvgBackward(float* dy, float* dx, int planes, int plane)
    {
        nint pdy = (nint)dy, pdx = (nint)dx;
        float inv = 1f / plane;
        ConvParallel.For(planes, plane, (start, end) =>
        {
            for (int p = start; p < end; p++)
                new Span<float>((float*)pdx + (long)p * plane, plane).Fill(((float*)pdy)[p] * inv);
        });
    }
}
