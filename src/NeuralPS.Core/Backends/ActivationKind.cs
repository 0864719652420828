namespace NeuralPS.Core.Backends;

/// <summary>Element-wise activations. Used by the Activation layer and fused into GEMM / convolution
/// epilogues. Softmax is row-wise and is never fused into an epilogue.</summary>
public enum ActivationKind
{
    None = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Sigmoid = 3,
    Tanh = 4,
    Softmax = 5,
    GELU = 6,
}
