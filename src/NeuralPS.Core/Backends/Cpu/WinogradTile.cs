using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The per-tile arithmetic of one Winograd algorithm F(m×m, 3×3): the transforms of one tile for one
/// vector of channels (filters), each a 1-D transform down the columns and then along the rows. The loops over
/// images, tiles and channels, the chunking and the GEMMs live once in <see cref="ConvWinograd"/>, generic over
/// this interface, so the JIT compiles each (tile, width) pair as if written for it alone.
/// <see cref="WinogradF2"/>: F(2×2, 3×3), 4×4 input tiles, 16 GEMMs; <see cref="WinogradF4"/>: F(4×4, 3×3), 6×6 input
/// tiles, 36 GEMMs (2.25 instead of 4 multiplies per output, but coefficients up to 8 and 1/24: more rounding);
/// <see cref="WinogradF6"/>: F(6×6, 3×3), 8×8 input tiles, 64 GEMMs (1.78 per output, coefficients up to 32 and 1/90).
/// Scratch t holds α² ≤ 64 vectors.</summary>
internal unsafe interface IWinogradTile
{
    /// <summary>Outputs per tile side (m).</summary>
    static abstract int M { get; }

    /// <summary>Input tile side α = m + 2; the transformed tile has α² positions ξ = α·i + j (one GEMM each).</summary>
    static abstract int Alpha { get; }

    /// <summary>o[ξ·stride] = (Bᵀ d B)[ξ] for the α×α channels-last patch d, p[α·i + j] pointing at pixel (i, j) of
    /// the patch (null = zero padding), Lanes channels from c0. t: scratch of α² vectors.</summary>
    static abstract void Input<TS, TV>(float** p, int c0, float* o, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged;

    /// <summary>The m×m outputs (Aᵀ M A) of the tile whose α² GEMM results start at s (position ξ at s + ξ·stride),
    /// each through <see cref="ConvWinograd.Emit{TS, TV}"/> at d + row·rowStride + column·k, the first rows × cols
    /// only (the tile may pass the image's edge). t: scratch of α² vectors.</summary>
    static abstract void Output<TS, TV>(float* s, long stride, in ConvWinograd.Epilogue<TV> e, float* d, long rowStride, int k, int rows, int cols, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged;

    /// <summary>o[ξ·stride] = (A dY Aᵀ)[ξ] for the m×m channels-last output gradient dY at p (pixel (i, j) at
    /// p + i·rowStride + j·k), zero past rows × cols. t: scratch of α² vectors.</summary>
    static abstract void Gradient<TS, TV>(float* p, long rowStride, int k, int rows, int cols, float* o, long stride, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged;

    /// <summary>u[ξ·stride] = (G g Gᵀ)[ξ] for Lanes 3×3 filters side by side, tap 3i + j of g at g + (3i + j)·stride.
    /// t: scratch of α² vectors.</summary>
    static abstract void Filter<TS, TV>(float* g, float* u, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged;

    /// <summary>Tap 3i + j of dg = Gᵀ dU G at dg + (3i + j)·stride from dU[ξ·stride], for Lanes filters side by side.
    /// t: scratch of α² vectors.</summary>
    static abstract void FilterGradient<TS, TV>(float* du, float* dg, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged;
}

/// <summary>F(2×2, 3×3): Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]],
/// G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]], Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: G holds halves (exact in
/// binary), Bᵀ and Aᵀ only ±1, so it adds rounding comparable to a different summation order.</summary>
internal readonly unsafe struct WinogradF2 : IWinogradTile
{
    public static int M => 2;

    public static int Alpha => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input<TS, TV>(float** p, int c0, float* o, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        // rows of Bᵀ d, column by column
        TV r00 = ConvWinograd.L<TS, TV>(p[0], c0), r01 = ConvWinograd.L<TS, TV>(p[1], c0), r02 = ConvWinograd.L<TS, TV>(p[2], c0), r03 = ConvWinograd.L<TS, TV>(p[3], c0);
        TV r10 = ConvWinograd.L<TS, TV>(p[4], c0), r11 = ConvWinograd.L<TS, TV>(p[5], c0), r12 = ConvWinograd.L<TS, TV>(p[6], c0), r13 = ConvWinograd.L<TS, TV>(p[7], c0);
        TV r20 = ConvWinograd.L<TS, TV>(p[8], c0), r21 = ConvWinograd.L<TS, TV>(p[9], c0), r22 = ConvWinograd.L<TS, TV>(p[10], c0), r23 = ConvWinograd.L<TS, TV>(p[11], c0);
        TV r30 = ConvWinograd.L<TS, TV>(p[12], c0), r31 = ConvWinograd.L<TS, TV>(p[13], c0), r32 = ConvWinograd.L<TS, TV>(p[14], c0), r33 = ConvWinograd.L<TS, TV>(p[15], c0);
        TV a0 = TS.Subtract(r00, r20), a1 = TS.Subtract(r01, r21), a2 = TS.Subtract(r02, r22), a3 = TS.Subtract(r03, r23);
        TV b0 = TS.Add(r10, r20), b1 = TS.Add(r11, r21), b2 = TS.Add(r12, r22), b3 = TS.Add(r13, r23);
        TV e0 = TS.Subtract(r20, r10), e1 = TS.Subtract(r21, r11), e2 = TS.Subtract(r22, r12), e3 = TS.Subtract(r23, r13);
        TV f0 = TS.Subtract(r10, r30), f1 = TS.Subtract(r11, r31), f2 = TS.Subtract(r12, r32), f3 = TS.Subtract(r13, r33);
        Row<TS, TV>(a0, a1, a2, a3, o, stride, 0);
        Row<TS, TV>(b0, b1, b2, b3, o, stride, 4);
        Row<TS, TV>(e0, e1, e2, e3, o, stride, 8);
        Row<TS, TV>(f0, f1, f2, f3, o, stride, 12);
    }

    /// <summary>One row of (Bᵀ d) B: [x0 − x2, x1 + x2, x2 − x1, x1 − x3] into ξ0 .. ξ0 + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TS, TV>(TV x0, TV x1, TV x2, TV x3, float* o, long stride, int xi0) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TS.Store(TS.Subtract(x0, x2), o + xi0 * stride);
        TS.Store(TS.Add(x1, x2), o + (xi0 + 1) * stride);
        TS.Store(TS.Subtract(x2, x1), o + (xi0 + 2) * stride);
        TS.Store(TS.Subtract(x1, x3), o + (xi0 + 3) * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output<TS, TV>(float* s, long stride, in ConvWinograd.Epilogue<TV> e, float* d, long rowStride, int k, int rows, int cols, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        // Aᵀ m: two rows of four
        TV m0 = TS.Load(s), m1 = TS.Load(s + stride), m2 = TS.Load(s + 2 * stride), m3 = TS.Load(s + 3 * stride);
        TV m4 = TS.Load(s + 4 * stride), m5 = TS.Load(s + 5 * stride), m6 = TS.Load(s + 6 * stride), m7 = TS.Load(s + 7 * stride);
        TV m8 = TS.Load(s + 8 * stride), m9 = TS.Load(s + 9 * stride), m10 = TS.Load(s + 10 * stride), m11 = TS.Load(s + 11 * stride);
        TV m12 = TS.Load(s + 12 * stride), m13 = TS.Load(s + 13 * stride), m14 = TS.Load(s + 14 * stride), m15 = TS.Load(s + 15 * stride);
        TV u0 = TS.Add(TS.Add(m0, m4), m8), u1 = TS.Add(TS.Add(m1, m5), m9), u2 = TS.Add(TS.Add(m2, m6), m10), u3 = TS.Add(TS.Add(m3, m7), m11);
        TV w0 = TS.Subtract(TS.Subtract(m4, m8), m12), w1 = TS.Subtract(TS.Subtract(m5, m9), m13);
        TV w2 = TS.Subtract(TS.Subtract(m6, m10), m14), w3 = TS.Subtract(TS.Subtract(m7, m11), m15);
        ConvWinograd.Emit<TS, TV>(TS.Add(TS.Add(u0, u1), u2), e, d);
        if (cols > 1) ConvWinograd.Emit<TS, TV>(TS.Subtract(TS.Subtract(u1, u2), u3), e, d + k);
        if (rows > 1)
        {
            ConvWinograd.Emit<TS, TV>(TS.Add(TS.Add(w0, w1), w2), e, d + rowStride);
            if (cols > 1) ConvWinograd.Emit<TS, TV>(TS.Subtract(TS.Subtract(w1, w2), w3), e, d + rowStride + k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradient<TS, TV>(float* p, long rowStride, int k, int rows, int cols, float* o, long stride, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV a = TS.Load(p), b = cols > 1 ? TS.Load(p + k) : TS.Zero;
        TV c = rows > 1 ? TS.Load(p + rowStride) : TS.Zero, d = rows > 1 && cols > 1 ? TS.Load(p + rowStride + k) : TS.Zero;
        // rows of A dY: [a, b], [a + c, b + d], [a − c, b − d], [−c, −d]; each row [p, q] → [p, p + q, p − q, −q]
        GradRow<TS, TV>(a, b, o, stride, 0);
        GradRow<TS, TV>(TS.Add(a, c), TS.Add(b, d), o, stride, 4);
        GradRow<TS, TV>(TS.Subtract(a, c), TS.Subtract(b, d), o, stride, 8);
        GradRow<TS, TV>(TS.Subtract(TS.Zero, c), TS.Subtract(TS.Zero, d), o, stride, 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradRow<TS, TV>(TV p, TV q, float* o, long stride, int xi0) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TS.Store(p, o + xi0 * stride);
        TS.Store(TS.Add(p, q), o + (xi0 + 1) * stride);
        TS.Store(TS.Subtract(p, q), o + (xi0 + 2) * stride);
        TS.Store(TS.Subtract(TS.Zero, q), o + (xi0 + 3) * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Filter<TS, TV>(float* g, float* u, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        // G x = [x0, ½(x0 + x1 + x2), ½(x0 − x1 + x2), x2], down the columns into t (4×3), then along t's rows
        TV half = TS.Create(0.5f);
        for (int j = 0; j < 3; j++)
        {
            TV g0 = TS.Load(g + j * stride), g1 = TS.Load(g + (3 + j) * stride), g2 = TS.Load(g + (6 + j) * stride), s = TS.Add(g0, g2);
            t[j] = g0;
            t[3 + j] = TS.Multiply(half, TS.Add(s, g1));
            t[6 + j] = TS.Multiply(half, TS.Subtract(s, g1));
            t[9 + j] = g2;
        }
        for (int i = 0; i < 4; i++)
        {
            TV a = t[3 * i], b = t[3 * i + 1], e = t[3 * i + 2], s = TS.Add(a, e);
            float* o = u + 4 * i * stride;
            TS.Store(a, o);
            TS.Store(TS.Multiply(half, TS.Add(s, b)), o + stride);
            TS.Store(TS.Multiply(half, TS.Subtract(s, b)), o + 2 * stride);
            TS.Store(e, o + 3 * stride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FilterGradient<TS, TV>(float* du, float* dg, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        // Gᵀ x = [x0 + ½(x1 + x2), ½(x1 − x2), ½(x1 + x2) + x3], down the columns into t (3×4), then along t's rows
        TV half = TS.Create(0.5f);
        for (int j = 0; j < 4; j++)
        {
            TV u0 = TS.Load(du + j * stride), u1 = TS.Load(du + (4 + j) * stride), u2 = TS.Load(du + (8 + j) * stride), u3 = TS.Load(du + (12 + j) * stride);
            TV s = TS.Multiply(half, TS.Add(u1, u2));
            t[j] = TS.Add(u0, s);
            t[4 + j] = TS.Multiply(half, TS.Subtract(u1, u2));
            t[8 + j] = TS.Add(s, u3);
        }
        for (int r = 0; r < 3; r++)
        {
            TV a = t[4 * r], b = t[4 * r + 1], e = t[4 * r + 2], f = t[4 * r + 3];
            TV s = TS.Multiply(half, TS.Add(b, e));
            float* o = dg + 3 * r * stride;
            TS.Store(TS.Add(a, s), o);
            TS.Store(TS.Multiply(half, TS.Subtract(b, e)), o + stride);
            TS.Store(TS.Add(s, f), o + 2 * stride);
        }
    }
}

/// <summary>F(4×4, 3×3) on the points 0, ±1, ±2 and ∞ (Lavin &amp; Gray 2016; the matrices NNPACK and oneDNN use):
///   Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]],
///   G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1/24, 1/12, ⅙], [1/24, −1/12, ⅙], [0, 0, 1]],
///   Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]].
/// Each 1-D transform in the factored form with shared sums (NNPACK's), FMAs for the ×2, ×4, ×5 and ×8 terms.</summary>
internal readonly unsafe struct WinogradF4 : IWinogradTile
{
    public static int M => 4;

    public static int Alpha => 6;

    /// <summary>Bᵀ x for six vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void B<TS, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, out TV o0, out TV o1, out TV o2, out TV o3, out TV o4, out TV o5)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV four = TS.Create(4f), minusFour = TS.Create(-4f), minusFive = TS.Create(-5f);
        o0 = TS.MultiplyAdd(four, d0, TS.MultiplyAdd(minusFive, d2, d4));
        TV t0 = TS.MultiplyAdd(minusFour, d2, d4), t1 = TS.MultiplyAdd(minusFour, d1, d3);
        o1 = TS.Add(t0, t1);
        o2 = TS.Subtract(t0, t1);
        TV t2 = TS.Subtract(d4, d2), t3 = TS.Subtract(d3, d1);
        t3 = TS.Add(t3, t3);
        o3 = TS.Add(t2, t3);
        o4 = TS.Subtract(t2, t3);
        o5 = TS.MultiplyAdd(four, d1, TS.MultiplyAdd(minusFive, d3, d5));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input<TS, TV>(float** p, int c0, float* o, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 6; j++)
            B<TS, TV>(ConvWinograd.L<TS, TV>(p[j], c0), ConvWinograd.L<TS, TV>(p[6 + j], c0), ConvWinograd.L<TS, TV>(p[12 + j], c0),
                ConvWinograd.L<TS, TV>(p[18 + j], c0), ConvWinograd.L<TS, TV>(p[24 + j], c0), ConvWinograd.L<TS, TV>(p[30 + j], c0),
                out t[j], out t[6 + j], out t[12 + j], out t[18 + j], out t[24 + j], out t[30 + j]);
        for (int i = 0; i < 6; i++)
        {
            TV* r = t + 6 * i;
            B<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            float* q = o + 6 * i * stride;
            TS.Store(o0, q);
            TS.Store(o1, q + stride);
            TS.Store(o2, q + 2 * stride);
            TS.Store(o3, q + 3 * stride);
            TS.Store(o4, q + 4 * stride);
            TS.Store(o5, q + 5 * stride);
        }
    }

    /// <summary>Aᵀ x for six vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A<TS, TV>(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV y0, out TV y1, out TV y2, out TV y3)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s1 = TS.Add(m1, m2), d1 = TS.Subtract(m1, m2), s2 = TS.Add(m3, m4), d2 = TS.Subtract(m3, m4);
        y0 = TS.Add(TS.Add(m0, s1), s2);
        y1 = TS.MultiplyAdd(TS.Create(2f), d2, d1);
        y2 = TS.MultiplyAdd(TS.Create(4f), s2, s1);
        y3 = TS.Add(TS.MultiplyAdd(TS.Create(8f), d2, d1), m5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output<TS, TV>(float* s, long stride, in ConvWinograd.Epilogue<TV> e, float* d, long rowStride, int k, int rows, int cols, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 6; j++)
        {
            float* c = s + j * stride;
            A<TS, TV>(TS.Load(c), TS.Load(c + 6 * stride), TS.Load(c + 12 * stride), TS.Load(c + 18 * stride), TS.Load(c + 24 * stride), TS.Load(c + 30 * stride),
                out t[j], out t[6 + j], out t[12 + j], out t[18 + j]);
        }
        for (int i = 0; i < rows; i++)
        {
            TV* r = t + 6 * i;
            A<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], out var y0, out var y1, out var y2, out var y3);
            float* q = d + i * rowStride;
            ConvWinograd.Emit<TS, TV>(y0, e, q);
            if (cols > 1) ConvWinograd.Emit<TS, TV>(y1, e, q + k);
            if (cols > 2) ConvWinograd.Emit<TS, TV>(y2, e, q + 2 * k);
            if (cols > 3) ConvWinograd.Emit<TS, TV>(y3, e, q + 3 * k);
        }
    }

    /// <summary>A x for four vectors (Aᵀ's transpose): [q0, Σq, q0 − q1 + q2 − q3, q0 + 2q1 + 4q2 + 8q3, q0 − 2q1 + 4q2 − 8q3, q3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void At<TS, TV>(TV q0, TV q1, TV q2, TV q3, out TV z0, out TV z1, out TV z2, out TV z3, out TV z4, out TV z5)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV e = TS.Add(q0, q2), o = TS.Add(q1, q3);
        TV e4 = TS.MultiplyAdd(TS.Create(4f), q2, q0), o8 = TS.MultiplyAdd(TS.Create(8f), q3, TS.Add(q1, q1));
        z0 = q0;
        z1 = TS.Add(e, o);
        z2 = TS.Subtract(e, o);
        z3 = TS.Add(e4, o8);
        z4 = TS.Subtract(e4, o8);
        z5 = q3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradient<TS, TV>(float* p, long rowStride, int k, int rows, int cols, float* o, long stride, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 4; j++)
        {
            float* c = p + j * k;
            bool inside = j < cols;
            TV q0 = inside ? TS.Load(c) : TS.Zero;
            TV q1 = inside && rows > 1 ? TS.Load(c + rowStride) : TS.Zero;
            TV q2 = inside && rows > 2 ? TS.Load(c + 2 * rowStride) : TS.Zero;
            TV q3 = inside && rows > 3 ? TS.Load(c + 3 * rowStride) : TS.Zero;
            At<TS, TV>(q0, q1, q2, q3, out t[j], out t[4 + j], out t[8 + j], out t[12 + j], out t[16 + j], out t[20 + j]);
        }
        for (int i = 0; i < 6; i++)
        {
            TV* r = t + 4 * i;
            At<TS, TV>(r[0], r[1], r[2], r[3], out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
            float* q = o + 6 * i * stride;
            TS.Store(z0, q);
            TS.Store(z1, q + stride);
            TS.Store(z2, q + 2 * stride);
            TS.Store(z3, q + 3 * stride);
            TS.Store(z4, q + 4 * stride);
            TS.Store(z5, q + 5 * stride);
        }
    }

    /// <summary>G x for three vectors: [x0/4, −(x0 + x1 + x2)/6, −(x0 − x1 + x2)/6, x0/24 + x1/12 + x2/6, x0/24 − x1/12 + x2/6, x2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G<TS, TV>(TV g0, TV g1, TV g2, out TV u0, out TV u1, out TV u2, out TV u3, out TV u4, out TV u5)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s = TS.Add(g0, g2), minusSixth = TS.Create(-1f / 6);
        TV a = TS.MultiplyAdd(g0, TS.Create(1f / 24), TS.Multiply(g2, TS.Create(1f / 6))), b = TS.Multiply(g1, TS.Create(1f / 12));
        u0 = TS.Multiply(g0, TS.Create(0.25f));
        u1 = TS.Multiply(TS.Add(s, g1), minusSixth);
        u2 = TS.Multiply(TS.Subtract(s, g1), minusSixth);
        u3 = TS.Add(a, b);
        u4 = TS.Subtract(a, b);
        u5 = g2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Filter<TS, TV>(float* g, float* u, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 3; j++)
            G<TS, TV>(TS.Load(g + j * stride), TS.Load(g + (3 + j) * stride), TS.Load(g + (6 + j) * stride),
                out t[j], out t[3 + j], out t[6 + j], out t[9 + j], out t[12 + j], out t[15 + j]);
        for (int i = 0; i < 6; i++)
        {
            G<TS, TV>(t[3 * i], t[3 * i + 1], t[3 * i + 2], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5);
            float* o = u + 6 * i * stride;
            TS.Store(u0, o);
            TS.Store(u1, o + stride);
            TS.Store(u2, o + 2 * stride);
            TS.Store(u3, o + 3 * stride);
            TS.Store(u4, o + 4 * stride);
            TS.Store(u5, o + 5 * stride);
        }
    }

    /// <summary>Gᵀ x for six vectors: [x0/4 − (x1 + x2)/6 + (x3 + x4)/24, (x2 − x1)/6 + (x3 − x4)/12, (x3 + x4 − x1 − x2)/6 + x5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gt<TS, TV>(TV x0, TV x1, TV x2, TV x3, TV x4, TV x5, out TV r0, out TV r1, out TV r2)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s12 = TS.Add(x1, x2), d12 = TS.Subtract(x2, x1), s34 = TS.Add(x3, x4), d34 = TS.Subtract(x3, x4), sixth = TS.Create(1f / 6);
        r0 = TS.MultiplyAdd(x0, TS.Create(0.25f), TS.MultiplyAdd(s34, TS.Create(1f / 24), TS.Multiply(s12, TS.Create(-1f / 6))));
        r1 = TS.MultiplyAdd(d12, sixth, TS.Multiply(d34, TS.Create(1f / 12)));
        r2 = TS.MultiplyAdd(TS.Subtract(s34, s12), sixth, x5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FilterGradient<TS, TV>(float* du, float* dg, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 6; j++)
            Gt<TS, TV>(TS.Load(du + j * stride), TS.Load(du + (6 + j) * stride), TS.Load(du + (12 + j) * stride),
                TS.Load(du + (18 + j) * stride), TS.Load(du + (24 + j) * stride), TS.Load(du + (30 + j) * stride),
                out t[j], out t[6 + j], out t[12 + j]);
        for (int i = 0; i < 3; i++)
        {
            TV* r = t + 6 * i;
            Gt<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], out var r0, out var r1, out var r2);
            float* o = dg + 3 * i * stride;
            TS.Store(r0, o);
            TS.Store(r1, o + stride);
            TS.Store(r2, o + 2 * stride);
        }
    }
}

/// <summary>F(6×6, 3×3) on the points 0, ±1, ±2, ±½ and ∞ (wincnn's and NNPACK's; checked against the direct 8×8 → 6×6
/// correlation in float64):
///   Bᵀ = [[1, 0, −21/4, 0, 21/4, 0, −1, 0], [0, 1, 1, −17/4, −17/4, 1, 1, 0], [0, −1, 1, 17/4, −17/4, −1, 1, 0],
///         [0, ½, ¼, −5/2, −5/4, 2, 1, 0], [0, −½, ¼, 5/2, −5/4, −2, 1, 0], [0, 2, 4, −5/2, −5, ½, 1, 0],
///         [0, −2, 4, 5/2, −5, −½, 1, 0], [0, −1, 0, 21/4, 0, −21/4, 0, 1]],
///   G = [[1, 0, 0], [−2/9, −2/9, −2/9], [−2/9, 2/9, −2/9], [1/90, 1/45, 2/45], [1/90, −1/45, 2/45],
///        [32/45, 16/45, 8/45], [32/45, −16/45, 8/45], [0, 0, 1]],
///   Aᵀ = [[1, 1, 1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, ½, −½, 0], [0, 1, 1, 4, 4, ¼, ¼, 0], [0, 1, −1, 8, −8, ⅛, −⅛, 0],
///         [0, 1, 1, 16, 16, 1/16, 1/16, 0], [0, 1, −1, 32, −32, 1/32, −1/32, 1]].
/// 64 GEMMs per 6×6 outputs: 1.78 multiplies per output instead of F(4×4)'s 2.25, but coefficients up to 32 (Aᵀ, squared
/// in the 2-D output transform) and 21/4 (Bᵀ): the most rounding of the three. NNPACK moves powers of two between G and
/// Aᵀ (the ±½ rows of G times 1/32, Aᵀ's ½ .. 1/32 columns times 32); in binary that changes no rounding and, with FMAs,
/// no operation count, so the matrices stay as above. Each 1-D transform in the factored form with shared even/odd
/// sums, FMAs for the other coefficients.</summary>
internal readonly unsafe struct WinogradF6 : IWinogradTile
{
    public static int M => 6;

    public static int Alpha => 8;

    /// <summary>Bᵀ x for eight vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void B<TS, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, TV d6, TV d7,
        out TV o0, out TV o1, out TV o2, out TV o3, out TV o4, out TV o5, out TV o6, out TV o7)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV c525 = TS.Create(5.25f), m425 = TS.Create(-4.25f), m125 = TS.Create(-1.25f), m25 = TS.Create(-2.5f);
        // o0 = (d0 − d6) + 21/4 (d4 − d2), o7 = (d7 − d1) + 21/4 (d3 − d5)
        o0 = TS.MultiplyAdd(c525, TS.Subtract(d4, d2), TS.Subtract(d0, d6));
        o7 = TS.MultiplyAdd(c525, TS.Subtract(d3, d5), TS.Subtract(d7, d1));
        // o1, o2 = (d2 + d6 − 17/4 d4) ± (d1 + d5 − 17/4 d3)
        TV e1 = TS.MultiplyAdd(m425, d4, TS.Add(d2, d6)), f1 = TS.MultiplyAdd(m425, d3, TS.Add(d1, d5));
        o1 = TS.Add(e1, f1);
        o2 = TS.Subtract(e1, f1);
        // o3, o4 = (¼ d2 − 5/4 d4 + d6) ± (½ d1 − 5/2 d3 + 2 d5)
        TV e3 = TS.MultiplyAdd(TS.Create(0.25f), d2, TS.MultiplyAdd(m125, d4, d6));
        TV f3 = TS.MultiplyAdd(TS.Create(0.5f), d1, TS.MultiplyAdd(m25, d3, TS.Add(d5, d5)));
        o3 = TS.Add(e3, f3);
        o4 = TS.Subtract(e3, f3);
        // o5, o6 = (4 (d2 − 5/4 d4) + d6) ± (2 d1 − 5/2 d3 + ½ d5)
        TV e5 = TS.MultiplyAdd(TS.Create(4f), TS.MultiplyAdd(m125, d4, d2), d6);
        TV f5 = TS.MultiplyAdd(TS.Create(0.5f), d5, TS.MultiplyAdd(m25, d3, TS.Add(d1, d1)));
        o5 = TS.Add(e5, f5);
        o6 = TS.Subtract(e5, f5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input<TS, TV>(float** p, int c0, float* o, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 8; j++)
            B<TS, TV>(ConvWinograd.L<TS, TV>(p[j], c0), ConvWinograd.L<TS, TV>(p[8 + j], c0), ConvWinograd.L<TS, TV>(p[16 + j], c0),
                ConvWinograd.L<TS, TV>(p[24 + j], c0), ConvWinograd.L<TS, TV>(p[32 + j], c0), ConvWinograd.L<TS, TV>(p[40 + j], c0),
                ConvWinograd.L<TS, TV>(p[48 + j], c0), ConvWinograd.L<TS, TV>(p[56 + j], c0),
                out t[j], out t[8 + j], out t[16 + j], out t[24 + j], out t[32 + j], out t[40 + j], out t[48 + j], out t[56 + j]);
        for (int i = 0; i < 8; i++)
        {
            TV* r = t + 8 * i;
            B<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            float* q = o + 8 * i * stride;
            TS.Store(o0, q);
            TS.Store(o1, q + stride);
            TS.Store(o2, q + 2 * stride);
            TS.Store(o3, q + 3 * stride);
            TS.Store(o4, q + 4 * stride);
            TS.Store(o5, q + 5 * stride);
            TS.Store(o6, q + 6 * stride);
            TS.Store(o7, q + 7 * stride);
        }
    }

    /// <summary>Aᵀ x for eight vectors: with s_i, d_i the sum and difference of the ±1, ±2 and ±½ pairs,
    /// y_n = Σ 2^(n·i) (s or d) over the pairs (s for even n, d for odd), plus m0 in y0 and m7 in y5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A<TS, TV>(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, TV m6, TV m7,
        out TV y0, out TV y1, out TV y2, out TV y3, out TV y4, out TV y5)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s1 = TS.Add(m1, m2), d1 = TS.Subtract(m1, m2), s2 = TS.Add(m3, m4), d2 = TS.Subtract(m3, m4), s3 = TS.Add(m5, m6), d3 = TS.Subtract(m5, m6);
        y0 = TS.Add(TS.Add(m0, s1), TS.Add(s2, s3));
        y1 = TS.MultiplyAdd(TS.Create(2f), d2, TS.MultiplyAdd(TS.Create(0.5f), d3, d1));
        y2 = TS.MultiplyAdd(TS.Create(4f), s2, TS.MultiplyAdd(TS.Create(0.25f), s3, s1));
        y3 = TS.MultiplyAdd(TS.Create(8f), d2, TS.MultiplyAdd(TS.Create(0.125f), d3, d1));
        y4 = TS.MultiplyAdd(TS.Create(16f), s2, TS.MultiplyAdd(TS.Create(0.0625f), s3, s1));
        y5 = TS.MultiplyAdd(TS.Create(32f), d2, TS.MultiplyAdd(TS.Create(0.03125f), d3, TS.Add(d1, m7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output<TS, TV>(float* s, long stride, in ConvWinograd.Epilogue<TV> e, float* d, long rowStride, int k, int rows, int cols, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 8; j++)
        {
            float* c = s + j * stride;
            A<TS, TV>(TS.Load(c), TS.Load(c + 8 * stride), TS.Load(c + 16 * stride), TS.Load(c + 24 * stride),
                TS.Load(c + 32 * stride), TS.Load(c + 40 * stride), TS.Load(c + 48 * stride), TS.Load(c + 56 * stride),
                out t[j], out t[8 + j], out t[16 + j], out t[24 + j], out t[32 + j], out t[40 + j]);
        }
        for (int i = 0; i < rows; i++)
        {
            TV* r = t + 8 * i;
            A<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], out var y0, out var y1, out var y2, out var y3, out var y4, out var y5);
            float* q = d + i * rowStride;
            ConvWinograd.Emit<TS, TV>(y0, e, q);
            if (cols > 1) ConvWinograd.Emit<TS, TV>(y1, e, q + k);
            if (cols > 2) ConvWinograd.Emit<TS, TV>(y2, e, q + 2 * k);
            if (cols > 3) ConvWinograd.Emit<TS, TV>(y3, e, q + 3 * k);
            if (cols > 4) ConvWinograd.Emit<TS, TV>(y4, e, q + 4 * k);
            if (cols > 5) ConvWinograd.Emit<TS, TV>(y5, e, q + 5 * k);
        }
    }

    /// <summary>A x for six vectors (Aᵀ's transpose): with e = q0 + q2 + q4 and o = q1 + q3 + q5 in powers of 1, 2 and ½,
    /// [q0, e₁ + o₁, e₁ − o₁, e₂ + o₂, e₂ − o₂, e½ + o½, e½ − o½, q5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void At<TS, TV>(TV q0, TV q1, TV q2, TV q3, TV q4, TV q5,
        out TV z0, out TV z1, out TV z2, out TV z3, out TV z4, out TV z5, out TV z6, out TV z7)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV e1 = TS.Add(TS.Add(q0, q2), q4), o1 = TS.Add(TS.Add(q1, q3), q5);
        TV e2 = TS.MultiplyAdd(TS.Create(16f), q4, TS.MultiplyAdd(TS.Create(4f), q2, q0));
        TV o2 = TS.MultiplyAdd(TS.Create(32f), q5, TS.MultiplyAdd(TS.Create(8f), q3, TS.Add(q1, q1)));
        TV eh = TS.MultiplyAdd(TS.Create(0.0625f), q4, TS.MultiplyAdd(TS.Create(0.25f), q2, q0));
        TV oh = TS.MultiplyAdd(TS.Create(0.03125f), q5, TS.MultiplyAdd(TS.Create(0.125f), q3, TS.Multiply(TS.Create(0.5f), q1)));
        z0 = q0;
        z1 = TS.Add(e1, o1);
        z2 = TS.Subtract(e1, o1);
        z3 = TS.Add(e2, o2);
        z4 = TS.Subtract(e2, o2);
        z5 = TS.Add(eh, oh);
        z6 = TS.Subtract(eh, oh);
        z7 = q5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradient<TS, TV>(float* p, long rowStride, int k, int rows, int cols, float* o, long stride, TV* t)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 6; j++)
        {
            float* c = p + j * k;
            int n = j < cols ? rows : 0;
            TV q0 = n > 0 ? TS.Load(c) : TS.Zero;
            TV q1 = n > 1 ? TS.Load(c + rowStride) : TS.Zero;
            TV q2 = n > 2 ? TS.Load(c + 2 * rowStride) : TS.Zero;
            TV q3 = n > 3 ? TS.Load(c + 3 * rowStride) : TS.Zero;
            TV q4 = n > 4 ? TS.Load(c + 4 * rowStride) : TS.Zero;
            TV q5 = n > 5 ? TS.Load(c + 5 * rowStride) : TS.Zero;
            At<TS, TV>(q0, q1, q2, q3, q4, q5, out t[j], out t[6 + j], out t[12 + j], out t[18 + j], out t[24 + j], out t[30 + j], out t[36 + j], out t[42 + j]);
        }
        for (int i = 0; i < 8; i++)
        {
            TV* r = t + 6 * i;
            At<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], out var z0, out var z1, out var z2, out var z3, out var z4, out var z5, out var z6, out var z7);
            float* q = o + 8 * i * stride;
            TS.Store(z0, q);
            TS.Store(z1, q + stride);
            TS.Store(z2, q + 2 * stride);
            TS.Store(z3, q + 3 * stride);
            TS.Store(z4, q + 4 * stride);
            TS.Store(z5, q + 5 * stride);
            TS.Store(z6, q + 6 * stride);
            TS.Store(z7, q + 7 * stride);
        }
    }

    /// <summary>G x for three vectors: [g0, −2/9 (g0 + g1 + g2), −2/9 (g0 − g1 + g2), (g0/90 + 2g2/45) ± g1/45,
    /// (32g0/45 + 8g2/45) ± 16g1/45, g2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G<TS, TV>(TV g0, TV g1, TV g2, out TV u0, out TV u1, out TV u2, out TV u3, out TV u4, out TV u5, out TV u6, out TV u7)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s = TS.Add(g0, g2), minusTwoNinths = TS.Create(-2f / 9);
        TV a = TS.MultiplyAdd(g0, TS.Create(1f / 90), TS.Multiply(g2, TS.Create(2f / 45))), b = TS.Multiply(g1, TS.Create(1f / 45));
        TV c = TS.MultiplyAdd(g0, TS.Create(32f / 45), TS.Multiply(g2, TS.Create(8f / 45))), f = TS.Multiply(g1, TS.Create(16f / 45));
        u0 = g0;
        u1 = TS.Multiply(TS.Add(s, g1), minusTwoNinths);
        u2 = TS.Multiply(TS.Subtract(s, g1), minusTwoNinths);
        u3 = TS.Add(a, b);
        u4 = TS.Subtract(a, b);
        u5 = TS.Add(c, f);
        u6 = TS.Subtract(c, f);
        u7 = g2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Filter<TS, TV>(float* g, float* u, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 3; j++)
            G<TS, TV>(TS.Load(g + j * stride), TS.Load(g + (3 + j) * stride), TS.Load(g + (6 + j) * stride),
                out t[j], out t[3 + j], out t[6 + j], out t[9 + j], out t[12 + j], out t[15 + j], out t[18 + j], out t[21 + j]);
        for (int i = 0; i < 8; i++)
        {
            G<TS, TV>(t[3 * i], t[3 * i + 1], t[3 * i + 2], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5, out var u6, out var u7);
            float* o = u + 8 * i * stride;
            TS.Store(u0, o);
            TS.Store(u1, o + stride);
            TS.Store(u2, o + 2 * stride);
            TS.Store(u3, o + 3 * stride);
            TS.Store(u4, o + 4 * stride);
            TS.Store(u5, o + 5 * stride);
            TS.Store(u6, o + 6 * stride);
            TS.Store(u7, o + 7 * stride);
        }
    }

    /// <summary>Gᵀ x for eight vectors, with s_i, d_i the sum and difference of the pairs (1, 2), (3, 4), (5, 6):
    /// [x0 − 2/9 s₁ + s₂/90 + 32/45 s₃, −2/9 d₁ + d₂/45 + 16/45 d₃, −2/9 s₁ + 2/45 s₂ + 8/45 s₃ + x7].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gt<TS, TV>(TV x0, TV x1, TV x2, TV x3, TV x4, TV x5, TV x6, TV x7, out TV r0, out TV r1, out TV r2)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s1 = TS.Add(x1, x2), d1 = TS.Subtract(x1, x2), s2 = TS.Add(x3, x4), d2 = TS.Subtract(x3, x4), s3 = TS.Add(x5, x6), d3 = TS.Subtract(x5, x6);
        TV minusTwoNinths = TS.Create(-2f / 9), t1 = TS.Multiply(s1, minusTwoNinths);
        r0 = TS.MultiplyAdd(s3, TS.Create(32f / 45), TS.MultiplyAdd(s2, TS.Create(1f / 90), TS.Add(x0, t1)));
        r1 = TS.MultiplyAdd(d3, TS.Create(16f / 45), TS.MultiplyAdd(d2, TS.Create(1f / 45), TS.Multiply(d1, minusTwoNinths)));
        r2 = TS.MultiplyAdd(s3, TS.Create(8f / 45), TS.MultiplyAdd(s2, TS.Create(2f / 45), TS.Add(t1, x7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FilterGradient<TS, TV>(float* du, float* dg, long stride, TV* t) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        for (int j = 0; j < 8; j++)
            Gt<TS, TV>(TS.Load(du + j * stride), TS.Load(du + (8 + j) * stride), TS.Load(du + (16 + j) * stride), TS.Load(du + (24 + j) * stride),
                TS.Load(du + (32 + j) * stride), TS.Load(du + (40 + j) * stride), TS.Load(du + (48 + j) * stride), TS.Load(du + (56 + j) * stride),
                out t[j], out t[8 + j], out t[16 + j]);
        for (int i = 0; i < 3; i++)
        {
            TV* r = t + 8 * i;
            Gt<TS, TV>(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], out var r0, out var r1, out var r2);
            float* o = dg + 3 * i * stride;
            TS.Store(r0, o);
            TS.Store(r1, o + stride);
            TS.Store(r2, o + 2 * stride);
        }
    }
}
