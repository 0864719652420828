using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Portable micro-kernel on <see cref="Vector{T}"/> (any CPU .NET vectorises, e.g. ARM64 NEON):
/// up to 6 rows x 2 vectors of C. Multiply and add are separate operations here (no FMA before .NET 9's
/// Vector.FusedMultiplyAdd), so results can differ from the FMA paths in the last bit.</summary>
internal static unsafe class SgemmKernelPortable
{
    public const int MR = 6;
    public static int W => Vector<float>.Count;
    public static int NR => 2 * Vector<float>.Count;
    public static int VW => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> LoadV(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

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
            Vector<float> c00 = default, c01 = default;
            Vector<float> c10 = default, c11 = default;
            Vector<float> c20 = default, c21 = default;
            Vector<float> c30 = default, c31 = default;
            Vector<float> c40 = default, c41 = default;
            Vector<float> c50 = default, c51 = default;
            float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
            float* bk = b;
            nint pa = 0;
            for (nint p = 0; p < kc; p++)
            {
                var b0 = LoadV(bk + 0 * W);
                var b1 = TN.Value > 1 ? LoadV(bk + 1 * W) : default;
                bk += ldb;
                var x0 = new Vector<float>(a0[pa]);
                c00 = c00 + x0 * b0;
                if (TN.Value > 1) c01 = c01 + x0 * b1;
                if (TM.Value > 1)
                {
                    var x1 = new Vector<float>(a1[pa]);
                    c10 = c10 + x1 * b0;
                    if (TN.Value > 1) c11 = c11 + x1 * b1;
                }
                if (TM.Value > 2)
                {
                    var x2 = new Vector<float>(a2[pa]);
                    c20 = c20 + x2 * b0;
                    if (TN.Value > 1) c21 = c21 + x2 * b1;
                }
                if (TM.Value > 3)
                {
                    var x3 = new Vector<float>(a3[pa]);
                    c30 = c30 + x3 * b0;
                    if (TN.Value > 1) c31 = c31 + x3 * b1;
                }
                if (TM.Value > 4)
                {
                    var x4 = new Vector<float>(a4[pa]);
                    c40 = c40 + x4 * b0;
                    if (TN.Value > 1) c41 = c41 + x4 * b1;
                }
                if (TM.Value > 5)
                {
                    var x5 = new Vector<float>(a5[pa]);
                    c50 = c50 + x5 * b0;
                    if (TN.Value > 1) c51 = c51 + x5 * b1;
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
    private static void StoreRow<TN>(float* c, Vector<float> v0, Vector<float> v1,
        int flags, float alphaS, float betaS, float slopeS, float* colBias, float* rowBias) where TN : struct, IConst
    {
        int w = Vector<float>.Count;
        var alpha = new Vector<float>(alphaS);
        if ((flags & TileStore.ScaleBit) != 0)
        {
            v0 *= alpha;
            if (TN.Value > 1) v1 *= alpha;
        }
        if ((flags & TileStore.ReadCBit) != 0)
        {
            var beta = new Vector<float>(betaS);
            v0 = LoadV(c) * beta + v0;
            if (TN.Value > 1) v1 = LoadV(c + w) * beta + v1;
        }
        if ((flags & TileStore.EpilogueBit) != 0)
        {
            if (colBias != null)
            {
                v0 += LoadV(colBias);
                if (TN.Value > 1) v1 += LoadV(colBias + w);
            }
            if (rowBias != null)
            {
                var rb = new Vector<float>(*rowBias);
                v0 += rb;
                if (TN.Value > 1) v1 += rb;
            }
            if ((flags & TileStore.ReluBit) != 0)
            {
                v0 = Vector.ConditionalSelect(Vector.GreaterThan(v0, Vector<float>.Zero), v0, Vector<float>.Zero);
                if (TN.Value > 1) v1 = Vector.ConditionalSelect(Vector.GreaterThan(v1, Vector<float>.Zero), v1, Vector<float>.Zero);
            }
            else if ((flags & TileStore.LeakyBit) != 0)
            {
                var s = new Vector<float>(slopeS);
                v0 = Vector.ConditionalSelect(Vector.GreaterThan(v0, Vector<float>.Zero), v0, v0 * s);
                if (TN.Value > 1) v1 = Vector.ConditionalSelect(Vector.GreaterThan(v1, Vector<float>.Zero), v1, v1 * s);
            }
        }
        Unsafe.WriteUnaligned(c, v0);
        if (TN.Value > 1) Unsafe.WriteUnaligned(c + w, v1);
    }
}
