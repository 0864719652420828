namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The naive definition of <see cref="Sgemm.Multiply"/>: the triple loop with float64
/// accumulation and the epilogue evaluated in float64 (rounded to float32 once, at the end).
/// The fast kernel is tested against this; it is far too slow for anything else.</summary>
public static unsafe class SgemmReference
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, in GemmEpilogue epilogue = default)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    double bv = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                    acc += av * bv;
                }
                double v = alpha * acc;
                if (beta != 0f) v += beta * (double)c[(long)i * ldc + j];
                if (epilogue.ColumnBias != null) v += epilogue.ColumnBias[j];
                if (epilogue.RowBias != null) v += epilogue.RowBias[i];
                c[(long)i * ldc + j] = (float)Activate(epilogue.Activation, v, epilogue.ActivationAlpha);
            }
        }
    }

    /// <summary>The element-wise activations in float64 (<see cref="CpuActivations.Reference"/>).</summary>
    public static double Activate(ActivationKind kind, double x, double alpha) => CpuActivations.Reference(kind, x, alpha);
}
