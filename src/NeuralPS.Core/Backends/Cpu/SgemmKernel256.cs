using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>AVX2+FMA micro-kernel for CPUs without AVX-512: up to 6 rows x 16 columns of C in 12 ymm
/// accumulators + 2 for B + 1 broadcast (15 of the 16 ymm registers AVX2 has; the classic
/// Haswell 6x16 tile). On the project machine (which has AVX-512) this path reached only 0.55-0.64x
/// OpenBLAS, so it is selected only when AVX-512 is absent (or forced by tests).</summary>
internal static unsafe class SgemmKernel256
{
    public const int MR = 6;
    public const int NR = 16;
    public const int VW = 8;

    public static bool IsSupported => Fma.IsSupported && Avx.IsSupported && Vector256.IsHardwareAccelerated;

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
            Vector256<float> c00 = default, c01 = default;
            Vector256<float> c10 = default, c11 = default;
            Vector256<float> c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default;
            Vector256<float> c40 = default, c41 = default;
            Vector256<float> c50 = default, c51 = default;
            float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
            float* bk = b;
            nint pa = 0;
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(bk + 0);
                var b1 = TN.Value > 1 ? Vector256.Load(bk + 8) : default;
                bk += ldb;
                var x0 = Vector256.Create(a0[pa]);
                c00 = Fma.MultiplyAdd(x0, b0, c00);
                if (TN.Value > 1) c01 = Fma.MultiplyAdd(x0, b1, c01);
                if (TM.Value > 1)
                {
                    var x1 = Vector256.Create(a1[pa]);
                    c10 = Fma.MultiplyAdd(x1, b0, c10);
                    if (TN.Value > 1) c11 = Fma.MultiplyAdd(x1, b1, c11);
                }
                if (TM.Value > 2)
                {
                    var x2 = Vector256.Create(a2[pa]);
                    c20 = Fma.MultiplyAdd(x2, b0, c20);
                    if (TN.Value > 1) c21 = Fma.MultiplyAdd(x2, b1, c21);
                }
                if (TM.Value > 3)
                {
                    var x3 = Vector256.Create(a3[pa]);
                    c30 = Fma.MultiplyAdd(x3, b0, c30);
                    if (TN.Value > 1) c31 = Fma.MultiplyAdd(x3, b1, c31);
                }
                if (TM.Value > 4)
                {
                    var x4 = Vector256.Create(a4[pa]);
                    c40 = Fma.MultiplyAdd(x4, b0, c40);
                    if (TN.Value > 1) c41 = Fma.MultiplyAdd(x4, b1, c41);
                }
                if (TM.Value > 5)
                {
                    var x5 = Vector256.Create(a5[pa]);
                    c50 = Fma.MultiplyAdd(x5, b0, c50);
                    if (TN.Value > 1) c51 = Fma.MultiplyAdd(x5, b1, c51);
                }
                pa += aps;
            }
            StoreRow<TN>(c + 0 * ldc, c00, c01, flags, alpha, beta, slope, colBias, rowBias);
            if (TM.Value > 1) StoreRow<TN>(c + 1 * ldc, c10, c11, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 1);
            if (TM.Value > 2) StoreRow<TN>(c + 2 * ldc, c20, c21, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 2);
            if (TM.Value > 3) StoreRow<TN>(c + 3 * ldc, c30, c31, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 3);
            if (TM.Value > 4) StoreRow<TN>(c + 4 * ldc, c40, c41, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 4);
            if (TM.Value > 5) StoreRow<TN>(c + 5 * ldc, c50, c51, flags, alpha, beta, slope, colBias, rowBias == null ? null : rowBias + 5);
            a += steps->A;
            b += steps->B;
            c += steps->C;
            if (colBias != null) colBias += steps->ColumnBias;
            if (rowBias != null) rowBias += steps->RowBias;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TN>(float* c, Vector256<float> v0, Vector256<float> v1,
        int flags, float alphaS, float betaS, float slopeS, float* colBias, float* rowBias) where TN : struct, IConst
    {
        var alpha = Vector256.Create(alphaS);
        if ((flags & TileStore.ScaleBit) != 0)
        {
            v0 *= alpha;
            if (TN.Value > 1) v1 *= alpha;
        }
        if ((flags & TileStore.ReadCBit) != 0)
        {
            var beta = Vector256.Create(betaS);
            v0 = Fma.MultiplyAdd(Vector256.Load(c), beta, v0);
            if (TN.Value > 1) v1 = Fma.MultiplyAdd(Vector256.Load(c + 8), beta, v1);
        }
        if ((flags & TileStore.EpilogueBit) != 0)
        {
            if (colBias != null)
            {
                v0 += Vector256.Load(colBias);
                if (TN.Value > 1) v1 += Vector256.Load(colBias + 8);
            }
            if (rowBias != null)
            {
                var rb = Vector256.Create(*rowBias);
                v0 += rb;
                if (TN.Value > 1) v1 += rb;
            }
            if ((flags & TileStore.ReluBit) != 0)
            {
                v0 = Avx.Max(v0, Vector256<float>.Zero);
                if (TN.Value > 1) v1 = Avx.Max(v1, Vector256<float>.Zero);
            }
            else if ((flags & TileStore.LeakyBit) != 0)
            {
                var s = Vector256.Create(slopeS);
                v0 = Vector256.ConditionalSelect(Vector256.GreaterThan(v0, Vector256<float>.Zero), v0, v0 * s);
                if (TN.Value > 1) v1 = Vector256.ConditionalSelect(Vector256.GreaterThan(v1, Vector256<float>.Zero), v1, v1 * s);
            }
        }
        v0.Store(c);
        if (TN.Value > 1) v1.Store(c + 8);
    }
}
