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
/// Transposes run as Lanes × Lanes register transposes at the widest vector width (16×16 AVX-512: 64 shuffles
/// per 256 floats; 8×8 AVX2; 4×4 SSE/NEON; <see cref="ISimd{TV}.TransposeTile"/>) instead of strided scalar
/// copies; only the ragged edges (less than a vector wide) fall back to scalar loops.</summary>
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
    public static void PackATransposed(float* a, nint lda, int ic, int mc, int pc, int kc, float* dst, nint kcs)
    {
        if (Simd512.IsSupported) PackATransposed<Simd512, Vector512<float>>(a, lda, ic, mc, pc, kc, dst, kcs);
        else if (Simd256.IsSupported) PackATransposed<Simd256, Vector256<float>>(a, lda, ic, mc, pc, kc, dst, kcs);
        else PackATransposed<Simd128, Vector128<float>>(a, lda, ic, mc, pc, kc, dst, kcs);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackATransposed<TS, TV>(float* a, nint lda, int ic, int mc, int pc, int kc, float* dst, nint kcs)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int L = TS.Lanes;
        float* tmp = stackalloc float[16 * 16];
        float* src = a + (nint)pc * lda + ic; // element (i, p) at src[p·lda + i]
        int i0 = 0;
        for (; i0 + L <= mc; i0 += L)
        {
            int p0 = 0;
            for (; p0 + L <= kc; p0 += L)
                TS.TransposeTile(src + (nint)p0 * lda + i0, lda, dst + i0 * kcs + p0, kcs);
            if (p0 < kc)
                TransposePartialRows<TS, TV>(src + (nint)p0 * lda + i0, lda, kc - p0, dst + i0 * kcs + p0, kcs, tmp);
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

    // op(B) transposed: source row j holds panel column j; Lanes source rows x Lanes k values are transposed
    // in registers. Missing source rows (j ≥ wq) read as zeros; a k tail (< Lanes) and a panel narrower than
    // a vector go through the scalar loop.
    private static void PackColumns(float* src, nint ld, int kc, int wq, int wp, float* dst)
    {
        if (Simd512.IsSupported) PackColumns<Simd512, Vector512<float>>(src, ld, kc, wq, wp, dst);
        else if (Simd256.IsSupported) PackColumns<Simd256, Vector256<float>>(src, ld, kc, wq, wp, dst);
        else PackColumns<Simd128, Vector128<float>>(src, ld, kc, wq, wp, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackColumns<TS, TV>(float* src, nint ld, int kc, int wq, int wp, float* dst)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int L = TS.Lanes;
        float* tmp = stackalloc float[16 * 16];
        int j0 = 0;
        for (; j0 + L <= wp; j0 += L)
        {
            int rows = Math.Min(L, wq - j0);
            int p0 = 0;
            if (rows == L)
                for (; p0 + L <= kc; p0 += L)
                    TS.TransposeTile(src + j0 * ld + p0, ld, dst + p0 * wp + j0, wp);
            else
                for (; p0 + L <= kc; p0 += L)
                    TransposePartialRows<TS, TV>(src + j0 * ld + p0, ld, rows, dst + p0 * wp + j0, wp, tmp);
            for (int p = p0; p < kc; p++)
            {
                float* d = dst + p * wp + j0;
                for (int j = 0; j < L; j++) d[j] = j < rows ? src[(j0 + j) * ld + p] : 0f;
            }
        }
        for (; j0 < wp; j0++)
        {
            float* s = src + j0 * ld;
            if (j0 < wq) for (int p = 0; p < kc; p++) dst[p * wp + j0] = s[p];
            else for (int p = 0; p < kc; p++) dst[p * wp + j0] = 0f;
        }
    }

    // As TransposeTile, but only the first `rows` source rows exist (the rest read as zero); tmp holds Lanes².
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposePartialRows<TS, TV>(float* src, nint srcStride, int rows, float* dst, nint dstStride, float* tmp)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int L = TS.Lanes;
        for (int r = 0; r < L; r++) TS.Store(r < rows ? TS.Load(src + r * srcStride) : TS.Zero, tmp + r * L);
        TS.TransposeTile(tmp, L, dst, dstStride);
    }
}
