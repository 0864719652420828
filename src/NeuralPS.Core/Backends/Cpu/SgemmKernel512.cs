using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>AVX-512 micro-kernel: up to 6 rows x 64 columns of C in 24 zmm accumulators, plus 4 zmm
/// for the B row and one broadcast register (29 of 32, no spills). Per k step: 4 loads of the packed B
/// panel, 6 broadcasts of A, 24 FMAs. Smaller mr/nv are separate specialisations, so edge tiles do no
/// wasted FMAs in rows and waste at most 15 lanes in columns (the B panel is zero-padded).
/// Generated: see the comment at the top of Sgemm.cs.</summary>
internal static unsafe class SgemmKernel512
{
    public const int MR = 6;
    public const int NR = 64;
    public const int VW = 16;

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Runs the mr x (nv vectors) micro-kernel: C tile (+)= A [mr x kc] (element (i, p) at a + i·lda + p·aps) times
    /// the B panel [kc x nv·W] (row p at b + p·ldb), written according to <paramref name="st"/>; repeated for
    /// steps->Count tiles, moving every pointer by its step after each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int mr, int nv, nint kc, float* a, nint lda, nint aps, float* b, nint ldb, float* c, nint ldc, TileStore* st, float* colBias, float* rowBias, TileSteps* steps)
    {
        switch (nv * 8 + mr)
        {
            case 9: Kernel<C1, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 10: Kernel<C2, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 11: Kernel<C3, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 12: Kernel<C4, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 13: Kernel<C5, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 14: Kernel<C6, C1>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 17: Kernel<C1, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 18: Kernel<C2, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 19: Kernel<C3, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 20: Kernel<C4, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 21: Kernel<C5, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 22: Kernel<C6, C2>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 25: Kernel<C1, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 26: Kernel<C2, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 27: Kernel<C3, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 28: Kernel<C4, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 29: Kernel<C5, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 30: Kernel<C6, C3>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 33: Kernel<C1, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 34: Kernel<C2, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 35: Kernel<C3, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 36: Kernel<C4, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 37: Kernel<C5, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            case 38: Kernel<C6, C4>(kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps); return;
            default: throw new ArgumentOutOfRangeException(nameof(mr));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TM, TN>(nint kc, float* a, nint lda, nint aps, float* b, nint ldb, float* c, nint ldc, TileStore* st, float* colBias, float* rowBias, TileSteps* steps)
        where TM : struct, IConst where TN : struct, IConst
    {
        int flags = st->Flags;
        float alpha = st->Alpha, beta = st->Beta, slope = st->Slope;
        if ((flags & TileStore.EpilogueBit) == 0) { colBias = null; rowBias = null; }
        int count = steps->Count;
        for (int t = 0; t < count; t++)
        {
            Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
            Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
            Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
            float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
            float* bk = b;
            nint pa = 0;
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(bk + 0);
                var b1 = TN.Value > 1 ? Vector512.Load(bk + 16) : default;
                var b2 = TN.Value > 2 ? Vector512.Load(bk + 32) : default;
                var b3 = TN.Value > 3 ? Vector512.Load(bk + 48) : default;
                bk += ldb;
                var x0 = Vector512.Create(a0[pa]);
                c00 = Avx512F.FusedMultiplyAdd(x0, b0, c00);
                if (TN.Value > 1) c01 = Avx512F.FusedMultiplyAdd(x0, b1, c01);
                if (TN.Value > 2) c02 = Avx512F.FusedMultiplyAdd(x0, b2, c02);
                if (TN.Value > 3) c03 = Avx512F.FusedMultiplyAdd(x0, b3, c03);
                if (TM.Value > 1)
                {
                    var x1 = Vector512.Create(a1[pa]);
                    c10 = Avx512F.FusedMultiplyAdd(x1, b0, c10);
                    if (TN.Value > 1) c11 = Avx512F.FusedMultiplyAdd(x1, b1, c11);
                    if (TN.Value > 2) c12 = Avx512F.FusedMultiplyAdd(x1, b2, c12);
                    if (TN.Value > 3) c13 = Avx512F.FusedMultiplyAdd(x1, b3, c13);
                }
                if (TM.Value > 2)
                {
                    var x2 = Vector512.Create(a2[pa]);
                    c20 = Avx512F.FusedMultiplyAdd(x2, b0, c20);
                    if (TN.Value > 1) c21 = Avx512F.FusedMultiplyAdd(x2, b1, c21);
                    if (TN.Value > 2) c22 = Avx512F.FusedMultiplyAdd(x2, b2, c22);
                    if (TN.Value > 3) c23 = Avx512F.FusedMultiplyAdd(x2, b3, c23);
                }
                if (TM.Value > 3)
                {
                    var x3 = Vector512.Create(a3[pa]);
                    c30 = Avx512F.FusedMultiplyAdd(x3, b0, c30);
                    if (TN.Value > 1) c31 = Avx512F.FusedMultiplyAdd(x3, b1, c31);
                    if (TN.Value > 2) c32 = Avx512F.FusedMultiplyAdd(x3, b2, c32);
                    if (TN.Value > 3) c33 = Avx512F.FusedMultiplyAdd(x3, b3, c33);
                }
                if (TM.Value > 4)
                {
                    var x4 = Vector512.Create(a4[pa]);
                    c40 = Avx512F.FusedMultiplyAdd(x4, b0, c40);
                    if (TN.Value > 1) c41 = Avx512F.FusedMultiplyAdd(x4, b1, c41);
                    if (TN.Value > 2) c42 = Avx512F.FusedMultiplyAdd(x4, b2, c42);
                    if (TN.Value > 3) c43 = Avx512F.FusedMultiplyAdd(x4, b3, c43);
                }
                if (TM.Value > 5)
                {
                    var x5 = Vector512.Create(a5[pa]);
                    c50 = Avx512F.FusedMultiplyAdd(x5, b0, c50);
                    if (TN.Value > 1) c51 = Avx512F.FusedMultiplyAdd(x5, b1, c51);
                    if (TN.Value > 2) c52 = Avx512F.FusedMultiplyAdd(x5, b2, c52);
                    if (TN.Value > 3) c53 = Avx512F.FusedMultiplyAdd(x5, b3, c53);
                }
                pa += aps;
            }
            StoreRow<TN>(c + 0 * ldc, c00, c01, c02, c03, flags, alpha, beta, slope, colBias, rowBias);
            if (TM.Value > 1) StoreRow<TN>(c + 1 * ldc, c10, c11, c12, c13, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 1);
            if (TM.Value > 2) StoreRow<TN>(c + 2 * ldc, c20, c21, c22, c23, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 2);
            if (TM.Value > 3) StoreRow<TN>(c + 3 * ldc, c30, c31, c32, c33, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 3);
            if (TM.Value > 4) StoreRow<TN>(c + 4 * ldc, c40, c41, c42, c43, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 4);
            if (TM.Value > 5) StoreRow<TN>(c + 5 * ldc, c50, c51, c52, c53, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 5);
            a += steps->A;
            b += steps->B;
            c += steps->C;
            if (colBias != null) colBias += steps->ColumnBias;
            if (rowBias != null) rowBias += steps->RowBias;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TN>(float* c, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        int flags, float alphaS, float betaS, float slopeS, float* colBias, float* rowBias) where TN : struct, IConst
    {
        var alpha = Vector512.Create(alphaS);
        if ((flags & TileStore.ScaleBit) != 0)
        {
            v0 *= alpha;
            if (TN.Value > 1) v1 *= alpha;
            if (TN.Value > 2) v2 *= alpha;
            if (TN.Value > 3) v3 *= alpha;
        }
        if ((flags & TileStore.ReadCBit) != 0)
        {
            var beta = Vector512.Create(betaS);
            v0 = Avx512F.FusedMultiplyAdd(Vector512.Load(c), beta, v0);
            if (TN.Value > 1) v1 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + 16), beta, v1);
            if (TN.Value > 2) v2 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + 32), beta, v2);
            if (TN.Value > 3) v3 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + 48), beta, v3);
        }
        if ((flags & TileStore.EpilogueBit) != 0)
        {
            if (colBias != null)
            {
                v0 += Vector512.Load(colBias);
                if (TN.Value > 1) v1 += Vector512.Load(colBias + 16);
                if (TN.Value > 2) v2 += Vector512.Load(colBias + 32);
                if (TN.Value > 3) v3 += Vector512.Load(colBias + 48);
            }
            if (rowBias != null)
            {
                var rb = Vector512.Create(*rowBias);
                v0 += rb;
                if (TN.Value > 1) v1 += rb;
                if (TN.Value > 2) v2 += rb;
                if (TN.Value > 3) v3 += rb;
            }
            if ((flags & TileStore.ReluBit) != 0)
            {
                v0 = Avx512F.Max(v0, Vector512<float>.Zero);
                if (TN.Value > 1) v1 = Avx512F.Max(v1, Vector512<float>.Zero);
                if (TN.Value > 2) v2 = Avx512F.Max(v2, Vector512<float>.Zero);
                if (TN.Value > 3) v3 = Avx512F.Max(v3, Vector512<float>.Zero);
            }
            else if ((flags & TileStore.LeakyBit) != 0)
            {
                var s = Vector512.Create(slopeS);
                v0 = Vector512.ConditionalSelect(Vector512.GreaterThan(v0, Vector512<float>.Zero), v0, v0 * s);
                if (TN.Value > 1) v1 = Vector512.ConditionalSelect(Vector512.GreaterThan(v1, Vector512<float>.Zero), v1, v1 * s);
                if (TN.Value > 2) v2 = Vector512.ConditionalSelect(Vector512.GreaterThan(v2, Vector512<float>.Zero), v2, v2 * s);
                if (TN.Value > 3) v3 = Vector512.ConditionalSelect(Vector512.GreaterThan(v3, Vector512<float>.Zero), v3, v3 * s);
            }
        }
        v0.Store(c);
        if (TN.Value > 1) v1.Store(c + 16);
        if (TN.Value > 2) v2.Store(c + 32);
        if (TN.Value > 3) v3.Store(c + 48);
    }
}
