using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Max and average pooling over NCHW planes. Each (image, channel) plane is independent, so
/// the work is split over planes across the cores. The general kernels clip each window to the image
/// once per output row/column (padding never enters a max, and is counted or not in an average); the
/// 2×2 stride-2 unpadded max pool of most CNNs has its own loop that handles two output columns at
/// a time without bound checks.</summary>
internal static unsafe class Pool2d
{
    private struct Job
    {
        public float* X, Y, Dy, Dx;
        public int* Argmax;
        public PoolingGeometry G;
        public bool CountIncludePad;
        public int Plane;
        public float Slope; // MaxBackward with Y: the slope below 0 of the ReLU / LeakyReLU that produced x (ReLU: 0)
    }

    public static void MaxForward(float* x, float* y, int* argmax, in PoolingGeometry geometry)
    {
        var job = new Job { X = x, Y = y, Argmax = argmax, G = geometry };
        ConvParallel.For(geometry.Batch * geometry.Channels, geometry.InputPlane, &MaxForwardPart, &job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        {
            for (int p = start; p < end; p++)
            {
                float* xs = j->X + (long)p * g.InputPlane;
                float* ys = j->Y + (long)p * g.OutputPlane;
                int* a = j->Argmax == null ? null : j->Argmax + (long)p * g.OutputPlane;
                if (g.WindowHeight == 2 && g.WindowWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2
                    && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutputHeight <= g.InputHeight && 2 * g.OutputWidth <= g.InputWidth)
                    MaxPlane2x2(xs, ys, a, g, j->X + (long)g.Batch * g.Channels * g.InputPlane, j->Y + (long)end * g.OutputPlane);
                else
                    MaxPlane(xs, ys, a, g);
            }
        }
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

    /// <summary>2×2 windows, stride 2, no padding: output (oy, ox) reads rows 2oy, 2oy+1, columns 2ox, 2ox+1.
    /// Lanes outputs at a time, written once for every vector width (<see cref="ISimd{TV}"/>): two loads per
    /// input row split into even and odd columns, and three masked selects (no branches: with random data
    /// the scalar loop's comparisons mispredict about half the time, which made it ~6× slower on AVX-512 and
    /// 12× on AVX2). The argmax offset within the window (0, 1, w, w + 1) is selected as a float and added to
    /// the window's index, exact while the plane has under 2^24 pixels (else scalar). A vector whose loads
    /// or stores would leave the tensor (x) or this thread's planes (y, argmax) falls back to scalar;
    /// stores past a row's end are overwritten by the next row's. Without an argmax (inference: nothing will
    /// run a backward from it) only the maxima are computed and stored.</summary>
    private static void MaxPlane2x2(float* xs, float* ys, int* a, in PoolingGeometry g, float* xEnd, float* yEnd)
    {
        if (a == null)
        {
            if (Simd512.IsSupported) { MaxPlane2x2<Simd512, Vector512<float>, C0>(xs, ys, a, g, xEnd, yEnd); return; }
            if (Simd256.IsSupported) { MaxPlane2x2<Simd256, Vector256<float>, C0>(xs, ys, a, g, xEnd, yEnd); return; }
            if (Simd128.IsSupported) { MaxPlane2x2<Simd128, Vector128<float>, C0>(xs, ys, a, g, xEnd, yEnd); return; }
        }
        else if (g.InputPlane < (1 << 24))
        {
            if (Simd512.IsSupported) { MaxPlane2x2<Simd512, Vector512<float>, C1>(xs, ys, a, g, xEnd, yEnd); return; }
            if (Simd256.IsSupported) { MaxPlane2x2<Simd256, Vector256<float>, C1>(xs, ys, a, g, xEnd, yEnd); return; }
            if (Simd128.IsSupported) { MaxPlane2x2<Simd128, Vector128<float>, C1>(xs, ys, a, g, xEnd, yEnd); return; }
        }
        MaxPlane2x2Scalar(xs, ys, a, g, 0);
    }

    /// <summary>One plane; <typeparamref name="TIndex"/> = C1 also keeps the argmax in <paramref name="a"/>, C0 only the
    /// maxima (the JIT drops the index work from that body).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlane2x2<TS, TV, TIndex>(float* xs, float* ys, int* a, in PoolingGeometry g, float* xEnd, float* yEnd)
        where TS : struct, ISimd<TV> where TV : unmanaged where TIndex : struct, IConst
    {
        int w = g.InputWidth, ow = g.OutputWidth;
        for (int oy = 0; oy < g.OutputHeight; oy++)
        {
            float* r0 = xs + 2 * oy * w;
            int* ar = TIndex.Value != 0 ? a + oy * ow : null;
            int ox = MaxRow2x2<TS, TV, TIndex>(r0, r0 + w, 2 * oy * w, w, ys + oy * ow, ar, ow, xEnd, yEnd);
            MaxRow2x2Scalar(r0, r0 + w, 2 * oy * w, w, ys + oy * ow, ar, ox, ow);
        }
    }

    /// <summary>One output row of the 2×2 stride-2 max pool from input rows r0 and r1 (r1 = r0 + w in a plane), Lanes
    /// outputs at a time while the loads stay below <paramref name="xEnd"/> and the stores below <paramref name="yEnd"/>;
    /// returns the first output column it did not do (for <see cref="MaxRow2x2Scalar"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int MaxRow2x2<TS, TV, TIndex>(float* r0, float* r1, int baseIndex, int w, float* yr, int* ar, int ow, float* xEnd, float* yEnd)
        where TS : struct, ISimd<TV> where TV : unmanaged where TIndex : struct, IConst
    {
        bool index = TIndex.Value != 0;
        int lanes = TS.Lanes;
        var lane2 = TS.Add(TS.Indices, TS.Indices);
        var one = TS.Create(1f);
        var wv = TS.Create(w);
        var w1 = TS.Create(w + 1);
        int ox = 0;
        for (; ox < ow && r1 + 2 * ox + 2 * lanes <= xEnd && yr + ox + lanes <= yEnd; ox += lanes)
        {
            int c = 2 * ox;
            TS.Deinterleave(TS.Load(r0 + c), TS.Load(r0 + c + lanes), out var topLeft, out var topRight);
            TS.Deinterleave(TS.Load(r1 + c), TS.Load(r1 + c + lanes), out var bottomLeft, out var bottomRight);
            var best = MaxWindow2x2<TS, TV, TIndex>(topLeft, topRight, bottomLeft, bottomRight, one, wv, w1, out var code);
            TS.Store(best, yr + ox);
            if (index) TS.StoreInt32(TS.Add(TS.Add(TS.Create(baseIndex + c), lane2), code), ar + ox);
        }
        return ox;
    }

    /// <summary>The maxima of Lanes 2×2 windows given as their four corners, in scan order (top left, top right, bottom
    /// left, bottom right: the first of equal maxima wins; a NaN wins), and with <typeparamref name="TIndex"/> = C1 the
    /// winner's offset in the window as a float code (0, 1, w = <paramref name="width"/>, w + 1 = <paramref name="widthPlusOne"/>).
    /// Three masked selects, no branches. The one comparison of the pool and of the convolution fused with it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV MaxWindow2x2<TS, TV, TIndex>(TV topLeft, TV topRight, TV bottomLeft, TV bottomRight, TV one, TV width, TV widthPlusOne, out TV code)
        where TS : struct, ISimd<TV> where TV : unmanaged where TIndex : struct, IConst
    {
        bool index = TIndex.Value != 0;
        var best = topLeft;
        code = TS.Zero;
        var m = TS.Or(TS.GreaterThan(topRight, best), TS.IsNaN(topRight));
        best = TS.Select(m, topRight, best);
        if (index) code = TS.Select(m, one, code);
        m = TS.Or(TS.GreaterThan(bottomLeft, best), TS.IsNaN(bottomLeft));
        best = TS.Select(m, bottomLeft, best);
        if (index) code = TS.Select(m, width, code);
        m = TS.Or(TS.GreaterThan(bottomRight, best), TS.IsNaN(bottomRight));
        best = TS.Select(m, bottomRight, best);
        if (index) code = TS.Select(m, widthPlusOne, code);
        return best;
    }

    private static void MaxPlane2x2Scalar(float* xs, float* ys, int* a, in PoolingGeometry g, int from)
    {
        int w = g.InputWidth, ow = g.OutputWidth;
        for (int oy = 0; oy < g.OutputHeight; oy++)
            MaxRow2x2Scalar(xs + 2 * oy * w, xs + 2 * oy * w + w, 2 * oy * w, w, ys + oy * ow, a == null ? null : a + oy * ow, from, ow);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MaxRow2x2Scalar(float* r0, float* r1, int baseIndex, int w, float* yr, int* ar, int ox, int ow)
    {
        for (; ox < ow; ox++)
        {
            int c = 2 * ox;
            float best = r0[c]; int bi = baseIndex + c;
            float v = r0[c + 1]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + c + 1; }
            v = r1[c]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + w + c; }
            v = r1[c + 1]; if (v > best || float.IsNaN(v)) { best = v; bi = baseIndex + w + c + 1; }
            yr[ox] = best;
            if (ar != null) ar[ox] = bi;
        }
    }

    /// <summary>dx of the max pool. With <paramref name="y"/> (the pool's output; windows must not overlap) it also
    /// applies the derivative of the ReLU / LeakyReLU (<paramref name="slope"/>) whose output x is: the chosen element
    /// gets y &gt; 0 ? d : slope·d with d = 0 + dy (y is that element's value), bit for bit what the two passes compute
    /// (the same vector select as ElementwiseKernels.SignSelectBackward), the others 0.</summary>
    public static void MaxBackward(float* x, float* dy, float* dx, int* argmax, in PoolingGeometry geometry, float* y = null, float slope = 0f)
    {
        var job = new Job { X = x, Dy = dy, Dx = dx, Argmax = argmax, G = geometry, Y = y, Slope = slope };
        ConvParallel.For(geometry.Batch * geometry.Channels, geometry.InputPlane, &MaxBackwardPart, &job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        // The masked gradients of one plane, computed a vector at a time and scattered after: a scalar select on the
        // pooled value is an unpredictable branch, and reading lanes back right after a vector store stalls.
        const int MaxMaskedPlane = 4096;
        float* masked = stackalloc float[j->Y != null && g.OutputPlane <= MaxMaskedPlane ? g.OutputPlane : 0];
        {
            for (int p = start; p < end; p++)
            {
                float* dxs = j->Dx + (long)p * g.InputPlane;
                float* dys = j->Dy + (long)p * g.OutputPlane;
                new Span<float>(dxs, g.InputPlane).Clear();
                if (j->Argmax != null && j->Y != null)
                {
                    int* a = j->Argmax + (long)p * g.OutputPlane;
                    float* ys = j->Y + (long)p * g.OutputPlane;
                    if (g.OutputPlane <= MaxMaskedPlane)
                    {
                        MaskedGradients(dys, ys, j->Slope, g.OutputPlane, masked);
                        for (int o = 0; o < g.OutputPlane; o++) dxs[a[o]] = masked[o];
                    }
                    else
                    {
                        for (int o = 0; o < g.OutputPlane; o++)
                        {
                            float d = 0f + dys[o];
                            dxs[a[o]] = ys[o] > 0f ? d : j->Slope * d;
                        }
                    }
                }
                else if (j->Argmax != null)
                {
                    int* a = j->Argmax + (long)p * g.OutputPlane;
                    for (int o = 0; o < g.OutputPlane; o++) dxs[a[o]] += dys[o];
                }
                else
                {
                    float* xs = j->X + (long)p * g.InputPlane;
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
                            if (j->Y == null) dxs[bi] += dys[oy * g.OutputWidth + ox];
                            else
                            {
                                float d = 0f + dys[oy * g.OutputWidth + ox];
                                dxs[bi] = best > 0f ? d : j->Slope * d;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>masked[o] = y[o] &gt; 0 ? d : slope·d with d = 0 + dy[o]: the gradient the max pool routes to its window's
    /// winner through a ReLU / LeakyReLU (slope) derivative, a vector at a time (a scalar select on the pooled value is an
    /// unpredictable branch). Also the fused convolution-and-pool filter gradient's (ConvDirect.BackwardFilterMaxPooled),
    /// so that both scatter the same values.</summary>
    internal static void MaskedGradients(float* dys, float* ys, float slopeValue, int count, float* masked)
    {
        var slope = new Vector<float>(slopeValue);
        int o = 0, w = Vector<float>.Count;
        for (; o <= count - w; o += w)
        {
            var d = Vector<float>.Zero + Unsafe.ReadUnaligned<Vector<float>>(dys + o);
            var v = Vector.ConditionalSelect(Vector.GreaterThan(Unsafe.ReadUnaligned<Vector<float>>(ys + o), Vector<float>.Zero), d, d * slope);
            Unsafe.WriteUnaligned(masked + o, v);
        }
        for (; o < count; o++)
        {
            float d = 0f + dys[o];
            masked[o] = ys[o] > 0f ? d : slopeValue * d;
        }
    }

    public static void AvgForward(float* x, float* y, in PoolingGeometry geometry, bool countIncludePad)
    {
        var job = new Job { X = x, Y = y, G = geometry, CountIncludePad = countIncludePad };
        ConvParallel.For(geometry.Batch * geometry.Channels, geometry.InputPlane, &AvgForwardPart, &job);
    }

    private static void AvgForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        bool countIncludePad = j->CountIncludePad;
        {
            int w = g.InputWidth;
            for (int p = start; p < end; p++)
            {
                float* xs = j->X + (long)p * g.InputPlane;
                float* ys = j->Y + (long)p * g.OutputPlane;
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
        }
    }

    public static void AvgBackward(float* dy, float* dx, in PoolingGeometry geometry, bool countIncludePad)
    {
        var job = new Job { Dy = dy, Dx = dx, G = geometry, CountIncludePad = countIncludePad };
        ConvParallel.For(geometry.Batch * geometry.Channels, geometry.InputPlane, &AvgBackwardPart, &job);
    }

    private static void AvgBackwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        var g = j->G;
        bool countIncludePad = j->CountIncludePad;
        {
            int w = g.InputWidth;
            for (int p = start; p < end; p++)
            {
                float* dxs = j->Dx + (long)p * g.InputPlane;
                float* dys = j->Dy + (long)p * g.OutputPlane;
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
        }
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
        var job = new Job { X = x, Y = y, Plane = plane };
        ConvParallel.For(planes, plane, &GlobalForwardPart, &job);
    }

    private static void GlobalForwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        float inv = 1f / j->Plane;
        for (int p = start; p < end; p++)
            j->Y[p] = TensorPrimitives.Sum(new ReadOnlySpan<float>(j->X + (long)p * j->Plane, j->Plane)) * inv;
    }

    public static void GlobalAvgBackward(float* dy, float* dx, int planes, int plane)
    {
        var job = new Job { Dy = dy, Dx = dx, Plane = plane };
        ConvParallel.For(planes, plane, &GlobalBackwardPart, &job);
    }

    private static void GlobalBackwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        float inv = 1f / j->Plane;
        for (int p = start; p < end; p++)
            new Span<float>(j->Dx + (long)p * j->Plane, j->Plane).Fill(j->Dy[p] * inv);
    }
}
