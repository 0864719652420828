using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The GEMV-like corner: C = A·Bᵀ (A not transposed, B transposed, the Dense forward layout)
/// with at most <see cref="SgemmBlocking.DotMaxM"/> rows, e.g. batch-1 inference. Here every element of B
/// is used by at most 4 rows, so packing (a transpose of the whole weight matrix per call) would cost
/// several times the arithmetic. Instead both operands are read in place as dot products along k:
/// up to 4 rows of A x 4 rows of B in 16 vector accumulators, reduced horizontally once per element.
/// One source for every width (<see cref="ISimd{TV}"/>): 512-bit on AVX-512, 256-bit on AVX2, 128-bit on
/// SSE-only x64 and ARM64. Before it served AVX-512 only, a batch-1 Dense on an AVX2 machine fell to the
/// packed path and took ~6× ONNX Runtime's time (issue #11).</summary>
internal static unsafe class SgemmDot
{
    public static bool Applies(SgemmProblem* pr) =>
        PathSupported(pr->Path) && pr->TransB && !pr->TransA && pr->M <= SgemmBlocking.DotMaxM && pr->K >= 16;

    private static bool PathSupported(SgemmPath path) => path switch
    {
        SgemmPath.Avx512 => Simd512.IsSupported,
        SgemmPath.Avx2 => Simd256.IsSupported,
        _ => Simd128.IsSupported,
    };

    /// <summary>Rows i0..i1 (all of M) and columns j0..j1 of C.</summary>
    public static void Compute(SgemmProblem* pr, int i0, int i1, int j0, int j1)
    {
        switch (pr->Path)
        {
            case SgemmPath.Avx512: Compute<Simd512, Vector512<float>>(pr, i0, i1, j0, j1); break;
            case SgemmPath.Avx2: Compute<Simd256, Vector256<float>>(pr, i0, i1, j0, j1); break;
            default: Compute<Simd128, Vector128<float>>(pr, i0, i1, j0, j1); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute<TS, TV>(SgemmProblem* pr, int i0, int i1, int j0, int j1)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int m = i1 - i0, k = pr->K;
        float* sums = stackalloc float[16];
        var st = TileStore.For(pr->Alpha, pr->Beta, first: true, last: true, pr->Activation, pr->Slope);
        float* a = pr->A + i0 * pr->Lda;
        int j = j0;
        if (m == 1)
        {
            // One row: 8 rows of B per pass (8 independent chains and 8 streams in flight; the loop is
            // bound by L2 bandwidth, not FMAs).
            for (; j + 8 <= j1; j += 8)
            {
                Row8<TS, TV>(k, a, pr->B + j * pr->Ldb, pr->Ldb, sums);
                SgemmDriver.Merge(sums, 8, 1, 8, pr->C + i0 * pr->Ldc + j, pr->Ldc, &st,
                    pr->ColumnBias == null ? null : pr->ColumnBias + j, pr->RowBias == null ? null : pr->RowBias + i0);
            }
        }
        for (; j < j1; j += 4)
        {
            int q = Math.Min(4, j1 - j);
            Run<TS, TV>(m, q, k, a, pr->Lda, pr->B + j * pr->Ldb, pr->Ldb, sums);
            SgemmDriver.Merge(sums, 4, m, q, pr->C + i0 * pr->Ldc + j, pr->Ldc, &st,
                pr->ColumnBias == null ? null : pr->ColumnBias + j, pr->RowBias == null ? null : pr->RowBias + i0);
        }
        if (pr->Activation is not (ActivationKind.None or ActivationKind.ReLU or ActivationKind.LeakyReLU))
        {
            // Over the same 64-column chunks as the packed path's tiles (parts start at multiples of 64),
            // so results do not depend on the thread count.
            float* scratch = SgemmWorkspace.Current.Scratch;
            for (int jt = j0; jt < j1; jt += SgemmDriver.TileStride)
                SgemmEpilogueOps.ApplyRows(pr->Activation, pr->C + i0 * pr->Ldc + jt, pr->Ldc, m, Math.Min(SgemmDriver.TileStride, j1 - jt), scratch);
        }
        if (pr->RowSumsOfA != null && j0 == 0)
            for (int r = 0; r < m; r++) pr->RowSumsOfA[i0 + r] = TensorPrimitives.Sum(new ReadOnlySpan<float>(a + r * pr->Lda, k));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TS, TV>(int m, int q, int k, float* a, nint lda, float* b, nint ldb, float* sums)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        switch (q * 8 + m)
        {
            case 9: Kernel<TS, TV, C1, C1>(k, a, lda, b, ldb, sums); return;
            case 10: Kernel<TS, TV, C2, C1>(k, a, lda, b, ldb, sums); return;
            case 11: Kernel<TS, TV, C3, C1>(k, a, lda, b, ldb, sums); return;
            case 12: Kernel<TS, TV, C4, C1>(k, a, lda, b, ldb, sums); return;
            case 17: Kernel<TS, TV, C1, C2>(k, a, lda, b, ldb, sums); return;
            case 18: Kernel<TS, TV, C2, C2>(k, a, lda, b, ldb, sums); return;
            case 19: Kernel<TS, TV, C3, C2>(k, a, lda, b, ldb, sums); return;
            case 20: Kernel<TS, TV, C4, C2>(k, a, lda, b, ldb, sums); return;
            case 25: Kernel<TS, TV, C1, C3>(k, a, lda, b, ldb, sums); return;
            case 26: Kernel<TS, TV, C2, C3>(k, a, lda, b, ldb, sums); return;
            case 27: Kernel<TS, TV, C3, C3>(k, a, lda, b, ldb, sums); return;
            case 28: Kernel<TS, TV, C4, C3>(k, a, lda, b, ldb, sums); return;
            case 33: Kernel<TS, TV, C1, C4>(k, a, lda, b, ldb, sums); return;
            case 34: Kernel<TS, TV, C2, C4>(k, a, lda, b, ldb, sums); return;
            case 35: Kernel<TS, TV, C3, C4>(k, a, lda, b, ldb, sums); return;
            case 36: Kernel<TS, TV, C4, C4>(k, a, lda, b, ldb, sums); return;
            default: throw new ArgumentOutOfRangeException(nameof(m));
        }
    }

    // <generated by SgemmKernels.gen.py: dot>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TS, TV, TM, TQ>(int k, float* a, nint lda, float* b, nint ldb, float* sums)
        where TS : struct, ISimd<TV> where TV : unmanaged where TM : struct, IConst where TQ : struct, IConst
    {
        TV s00 = default, s01 = default, s02 = default, s03 = default;
        TV s10 = default, s11 = default, s12 = default, s13 = default;
        TV s20 = default, s21 = default, s22 = default, s23 = default;
        TV s30 = default, s31 = default, s32 = default, s33 = default;
        float* b0 = b, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int p = 0;
        for (; p + TS.Lanes <= k; p += TS.Lanes)
        {
            var y0 = TS.Load(b0 + p);
            var y1 = TQ.Value > 1 ? TS.Load(b1 + p) : default;
            var y2 = TQ.Value > 2 ? TS.Load(b2 + p) : default;
            var y3 = TQ.Value > 3 ? TS.Load(b3 + p) : default;
            var x0 = TS.Load(a0 + p);
            s00 = TS.MultiplyAdd(x0, y0, s00);
            if (TQ.Value > 1) s01 = TS.MultiplyAdd(x0, y1, s01);
            if (TQ.Value > 2) s02 = TS.MultiplyAdd(x0, y2, s02);
            if (TQ.Value > 3) s03 = TS.MultiplyAdd(x0, y3, s03);
            if (TM.Value > 1)
            {
                var x1 = TS.Load(a1 + p);
                s10 = TS.MultiplyAdd(x1, y0, s10);
                if (TQ.Value > 1) s11 = TS.MultiplyAdd(x1, y1, s11);
                if (TQ.Value > 2) s12 = TS.MultiplyAdd(x1, y2, s12);
                if (TQ.Value > 3) s13 = TS.MultiplyAdd(x1, y3, s13);
            }
            if (TM.Value > 2)
            {
                var x2 = TS.Load(a2 + p);
                s20 = TS.MultiplyAdd(x2, y0, s20);
                if (TQ.Value > 1) s21 = TS.MultiplyAdd(x2, y1, s21);
                if (TQ.Value > 2) s22 = TS.MultiplyAdd(x2, y2, s22);
                if (TQ.Value > 3) s23 = TS.MultiplyAdd(x2, y3, s23);
            }
            if (TM.Value > 3)
            {
                var x3 = TS.Load(a3 + p);
                s30 = TS.MultiplyAdd(x3, y0, s30);
                if (TQ.Value > 1) s31 = TS.MultiplyAdd(x3, y1, s31);
                if (TQ.Value > 2) s32 = TS.MultiplyAdd(x3, y2, s32);
                if (TQ.Value > 3) s33 = TS.MultiplyAdd(x3, y3, s33);
            }
        }
        sums[0] = Tail(TS.Sum(s00), a0, b0, p, k);
        if (TQ.Value > 1) sums[1] = Tail(TS.Sum(s01), a0, b1, p, k);
        if (TQ.Value > 2) sums[2] = Tail(TS.Sum(s02), a0, b2, p, k);
        if (TQ.Value > 3) sums[3] = Tail(TS.Sum(s03), a0, b3, p, k);
        if (TM.Value > 1) sums[4] = Tail(TS.Sum(s10), a1, b0, p, k);
        if (TM.Value > 1 && TQ.Value > 1) sums[5] = Tail(TS.Sum(s11), a1, b1, p, k);
        if (TM.Value > 1 && TQ.Value > 2) sums[6] = Tail(TS.Sum(s12), a1, b2, p, k);
        if (TM.Value > 1 && TQ.Value > 3) sums[7] = Tail(TS.Sum(s13), a1, b3, p, k);
        if (TM.Value > 2) sums[8] = Tail(TS.Sum(s20), a2, b0, p, k);
        if (TM.Value > 2 && TQ.Value > 1) sums[9] = Tail(TS.Sum(s21), a2, b1, p, k);
        if (TM.Value > 2 && TQ.Value > 2) sums[10] = Tail(TS.Sum(s22), a2, b2, p, k);
        if (TM.Value > 2 && TQ.Value > 3) sums[11] = Tail(TS.Sum(s23), a2, b3, p, k);
        if (TM.Value > 3) sums[12] = Tail(TS.Sum(s30), a3, b0, p, k);
        if (TM.Value > 3 && TQ.Value > 1) sums[13] = Tail(TS.Sum(s31), a3, b1, p, k);
        if (TM.Value > 3 && TQ.Value > 2) sums[14] = Tail(TS.Sum(s32), a3, b2, p, k);
        if (TM.Value > 3 && TQ.Value > 3) sums[15] = Tail(TS.Sum(s33), a3, b3, p, k);
    }
    // </generated>

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row8<TS, TV>(int k, float* a, float* b, nint ldb, float* sums)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        TV s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        float* b0 = b, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb, b6 = b5 + ldb, b7 = b6 + ldb;
        int p = 0;
        for (; p + TS.Lanes <= k; p += TS.Lanes)
        {
            var x = TS.Load(a + p);
            s0 = TS.MultiplyAdd(x, TS.Load(b0 + p), s0);
            s1 = TS.MultiplyAdd(x, TS.Load(b1 + p), s1);
            s2 = TS.MultiplyAdd(x, TS.Load(b2 + p), s2);
            s3 = TS.MultiplyAdd(x, TS.Load(b3 + p), s3);
            s4 = TS.MultiplyAdd(x, TS.Load(b4 + p), s4);
            s5 = TS.MultiplyAdd(x, TS.Load(b5 + p), s5);
            s6 = TS.MultiplyAdd(x, TS.Load(b6 + p), s6);
            s7 = TS.MultiplyAdd(x, TS.Load(b7 + p), s7);
        }
        sums[0] = Tail(TS.Sum(s0), a, b0, p, k);
        sums[1] = Tail(TS.Sum(s1), a, b1, p, k);
        sums[2] = Tail(TS.Sum(s2), a, b2, p, k);
        sums[3] = Tail(TS.Sum(s3), a, b3, p, k);
        sums[4] = Tail(TS.Sum(s4), a, b4, p, k);
        sums[5] = Tail(TS.Sum(s5), a, b5, p, k);
        sums[6] = Tail(TS.Sum(s6), a, b6, p, k);
        sums[7] = Tail(TS.Sum(s7), a, b7, p, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(float s, float* a, float* b, int p, int k)
    {
        for (; p < k; p++) s = MathF.FusedMultiplyAdd(a[p], b[p], s);
        return s;
    }
}
