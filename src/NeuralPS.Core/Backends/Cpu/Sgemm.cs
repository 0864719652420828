using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Single-precision GEMM on row-major matrices:
/// C = epilogue(alpha · op(A) · op(B) + beta · C). op(A) is m×k, op(B) is k×n, C is m×n with leading
/// dimensions lda/ldb/ldc (elements between rows as stored).
/// PLACEHOLDER KERNEL: a correct, row-parallel, vectorised loop; issue #3 replaces it with the
/// packed BLIS-style kernel without changing this signature.</summary>
public static unsafe class Sgemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, in GemmEpilogue epilogue = default)
    {
        if (m <= 0 || n <= 0) return;
        var ep = epilogue;
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        if ((long)m * n * k < 32_768)
        {
            for (int i = 0; i < m; i++) Row(i, transA, transB, n, k, alpha, (float*)pa, lda, (float*)pb, ldb, beta, (float*)pc, ldc, ep);
            return;
        }
        Parallel.For(0, m, i => Row(i, transA, transB, n, k, alpha, (float*)pa, lda, (float*)pb, ldb, beta, (float*)pc, ldc, ep));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(int i, bool transA, bool transB, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, GemmEpilogue ep)
    {
        float* crow = c + (long)i * ldc;
        Span<float> acc = n <= 4096 ? stackalloc float[n] : new float[n];
        acc.Clear();
        for (int p = 0; p < k; p++)
        {
            float av = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
            if (av == 0f) continue;
            if (!transB)
            {
                var brow = new ReadOnlySpan<float>(b + (long)p * ldb, n);
                int j = 0;
                var vav = new System.Numerics.Vector<float>(av);
                int w = System.Numerics.Vector<float>.Count;
                for (; j <= n - w; j += w)
                {
                    var va = new System.Numerics.Vector<float>(acc.Slice(j));
                    (va + vav * new System.Numerics.Vector<float>(brow.Slice(j))).CopyTo(acc.Slice(j));
                }
                for (; j < n; j++) acc[j] += av * brow[j];
            }
            else
            {
                for (int j = 0; j < n; j++) acc[j] += av * b[(long)j * ldb + p];
            }
        }
        for (int j = 0; j < n; j++)
        {
            float v = alpha * acc[j];
            if (beta != 0f) v += beta * crow[j];
            if (ep.ColumnBias != null) v += ep.ColumnBias[j];
            if (ep.RowBias != null) v += ep.RowBias[i];
            crow[j] = CpuActivations.Apply(ep.Activation, v, ep.ActivationAlpha);
        }
    }
}
