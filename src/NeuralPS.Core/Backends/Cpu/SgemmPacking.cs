using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Packing of SGEMM operands into the layouts the micro-kernels stream.
///
/// B block op(B)[pc.., jc..] (kc x nc) becomes consecutive panels of width nr (the last one rounded
/// up to a whole vector and zero-padded), each stored k-major: panel[p·w + j]. The kernel then reads
/// one contiguous row of the panel per k step.
/// A block op(A)[ic.., pc..] (mc x kc) is needed row-major (row i at i·lda) — which a non-transposed A
/// already is, so it is read in place (no packing at all); a transposed A is packed by transposing
/// into a row stride rounded up to 16 floats.
/// Transposes run as 16x16 AVX-512 register transposes (64 shuffles per 256 floats) instead of
/// strided scalar copies; only the ragged edges (less than 16 wide) fall back to scalar loops.</summary>
internal static unsafe class SgemmPacking
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into panels of width <paramref name="nr"/> at <paramref name="dst"/>
    /// (panel q starts at dst + q·nr·kc; the last panel's width is rounded up to <paramref name="vw"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int pc, int kc, int jc, int nc, int nr, int vw, float* dst)
    {
        for (int q = 0; q < nc; q += nr)
        {
            int wq = Math.Min(nr, nc - q);
            int wp = Math.Min(nr, RoundUp(wq, vw));
            float* d = dst + (nint)q * kc;
            if (!transB) PackRows(b + (nint)pc * ldb + jc + q, ldb, kc, wq, wp, d);
            else PackColumns(b + (nint)(jc + q) * ldb + pc, ldb, kc, wq, wp, d);
        }
    }

    /// <summary>Packs a transposed A block: op(A)[i, p] = a[p·lda + i] for i in [ic, ic+mc), p in [pc, pc+kc),
    /// into dst[i·kcs + p] (row-major, row stride kcs ≥ RoundUp(kc, 16)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackATransposed(float* a, nint lda, int ic, int mc, int pc, int kc, float* dst, nint kcs)
    {
        float* src = a + (nint)pc * lda + ic; // element (i, p) at src[p·lda + i]
        int i0 = 0;
        if (Avx512F.IsSupported)
        {
            for (; i0 + 16 <= mc; i0 += 16)
            {
                int p0 = 0;
                for (; p0 + 16 <= kc; p0 += 16)
                    Transpose16(src + (nint)p0 * lda + i0, lda, dst + i0 * kcs + p0, kcs);
                if (p0 < kc)
                    TransposePartialRows(src + (nint)p0 * lda + i0, lda, kc - p0, dst + i0 * kcs + p0, kcs);
            }
        }
        for (; i0 < mc; i0++)
        {
            float* d = dst + i0 * kcs;
            float* s = src + i0;
            for (int p = 0; p < kc; p++) d[p] = s[p * lda];
        }
    }

    // op(B) not transposed: panel row p is a contiguous run of the source row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(float* src, nint ld, int kc, int wq, int wp, float* dst)
    {
        if (wq == 64 && wp == 64 && Vector512.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++)
            {
                float* s = src + p * ld;
                float* d = dst + p * 64;
                Vector512.Store(Vector512.Load(s), d);
                Vector512.Store(Vector512.Load(s + 16), d + 16);
                Vector512.Store(Vector512.Load(s + 32), d + 32);
                Vector512.Store(Vector512.Load(s + 48), d + 48);
            }
            return;
        }
        for (int p = 0; p < kc; p++)
        {
            float* s = src + p * ld;
            float* d = dst + p * wp;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; j + 8 <= wq; j += 8) Vector256.Store(Vector256.Load(s + j), d + j);
            for (; j < wq; j++) d[j] = s[j];
            for (; j < wp; j++) d[j] = 0f;
        }
    }

    // op(B) transposed: source row j holds panel column j; 16 source rows x 16 k values are transposed in
    // registers. Missing source rows (j ≥ wq) read as zeros; a k tail (< 16) and a panel narrower than 16
    // (AVX2/portable edge panels) go through the scalar loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackColumns(float* src, nint ld, int kc, int wq, int wp, float* dst)
    {
        int j0 = 0;
        if (Avx512F.IsSupported)
        {
            for (; j0 + 16 <= wp; j0 += 16)
            {
                int rows = Math.Min(16, wq - j0);
                int p0 = 0;
                if (rows == 16)
                    for (; p0 + 16 <= kc; p0 += 16)
                        Transpose16(src + j0 * ld + p0, ld, dst + p0 * wp + j0, wp);
                else
                    for (; p0 + 16 <= kc; p0 += 16)
                        TransposePartialRows(src + j0 * ld + p0, ld, rows, dst + p0 * wp + j0, wp);
                for (int p = p0; p < kc; p++)
                {
                    float* d = dst + p * wp + j0;
                    for (int j = 0; j < 16; j++) d[j] = j < rows ? src[(j0 + j) * ld + p] : 0f;
                }
            }
        }
        for (; j0 < wp; j0++)
        {
            float* s = src + j0 * ld;
            if (j0 < wq) for (int p = 0; p < kc; p++) dst[p * wp + j0] = s[p];
            else for (int p = 0; p < kc; p++) dst[p * wp + j0] = 0f;
        }
    }

    /// <summary>dst row t (16 floats at dst + t·dstStride) = column t of the 16x16 block at src
    /// (row r at src + r·srcStride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(float* src, nint srcStride, float* dst, nint dstStride)
    {
        // Stages 1-2 per group of 4 rows: unpack 32-bit then 64-bit pairs; s{g}{c} lane l = rows 4g..4g+3
        // of column 4l+c.
        Group(src, srcStride, out var s00, out var s01, out var s02, out var s03);
        Group(src + 4 * srcStride, srcStride, out var s10, out var s11, out var s12, out var s13);
        Group(src + 8 * srcStride, srcStride, out var s20, out var s21, out var s22, out var s23);
        Group(src + 12 * srcStride, srcStride, out var s30, out var s31, out var s32, out var s33);
        // Stages 3-4: a 4x4 transpose of 128-bit lanes for each c; output row 4l+c.
        Lanes(s00, s10, s20, s30, dst, dstStride);
        Lanes(s01, s11, s21, s31, dst + dstStride, dstStride);
        Lanes(s02, s12, s22, s32, dst + 2 * dstStride, dstStride);
        Lanes(s03, s13, s23, s33, dst + 3 * dstStride, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group(float* src, nint stride, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        var r0 = Vector512.Load(src);
        var r1 = Vector512.Load(src + stride);
        var r2 = Vector512.Load(src + 2 * stride);
        var r3 = Vector512.Load(src + 3 * stride);
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        c0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        c1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        c2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        c3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    // Rows 4l+c for l = 0..3 are written at dst + 4l·stride (dst already offset by c rows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, float* dst, nint stride)
    {
        var x0 = Avx512F.Shuffle4x128(g0, g1, 0x44);
        var x1 = Avx512F.Shuffle4x128(g0, g1, 0xEE);
        var x2 = Avx512F.Shuffle4x128(g2, g3, 0x44);
        var x3 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        Vector512.Store(Avx512F.Shuffle4x128(x0, x2, 0x88), dst);
        Vector512.Store(Avx512F.Shuffle4x128(x0, x2, 0xDD), dst + 4 * stride);
        Vector512.Store(Avx512F.Shuffle4x128(x1, x3, 0x88), dst + 8 * stride);
        Vector512.Store(Avx512F.Shuffle4x128(x1, x3, 0xDD), dst + 12 * stride);
    }

    // As Transpose16, but only the first `rows` source rows exist (the rest read as zero).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposePartialRows(float* src, nint srcStride, int rows, float* dst, nint dstStride)
    {
        float* tmp = stackalloc float[16 * 16];
        for (int r = 0; r < 16; r++)
        {
            if (r < rows) Vector512.Store(Vector512.Load(src + r * srcStride), tmp + r * 16);
            else Vector512.Store(Vector512<float>.Zero, tmp + r * 16);
        }
        Transpose16(tmp, 16, dst, dstStride);
    }
}
