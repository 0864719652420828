namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Work folded into the GEMM's final pass over C:
/// C[i,j] = act(alpha·(A·B)[i,j] + beta·C[i,j] + ColumnBias[j] + RowBias[i]).
/// ColumnBias suits Dense (bias per output feature, rows = samples); RowBias suits NCHW convolution
/// (bias per output channel, rows = channels).</summary>
public readonly unsafe struct GemmEpilogue
{
    public GemmEpilogue(float* columnBias, float* rowBias, ActivationKind activation, float activationAlpha = 0.01f)
    {
        if (activation == ActivationKind.Softmax)
            throw new InvalidConfigurationException("Softmax is row-wise and cannot be fused into a GEMM epilogue.");
        ColumnBias = columnBias;
        RowBias = rowBias;
        Activation = activation;
        ActivationAlpha = activationAlpha;
    }

    public float* ColumnBias { get; }
    public float* RowBias { get; }
    public ActivationKind Activation { get; }
    public float ActivationAlpha { get; }
    public bool IsEmpty => ColumnBias == null && RowBias == null && Activation == ActivationKind.None;
}
