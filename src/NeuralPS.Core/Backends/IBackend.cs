using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>The primitives every layer needs. Layers call only these, so a CUDA backend can
/// implement the same calls with cuBLAS/cuDNN. The interface is partial: each family of primitives
/// (GEMM, element-wise, convolution, pooling, normalisation, optimizer updates) lives in its own file.
/// All tensors are row-major; "matrix view" of a tensor = [Rows = dim 0, Columns = rest].</summary>
public partial interface IBackend
{
    /// <summary>"cpu", "cuda:0", ...</summary>
    string Name { get; }

    /// <summary>Human-readable description (device, SIMD width, threads).</summary>
    string Description { get; }

    /// <summary>C = alpha · op(A) · op(B) + beta · C on the matrix views, op = transpose when the flag is set.
    /// op(A) is [m, k], op(B) is [k, n], C is [m, n].</summary>
    void Gemm(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, float alpha = 1f, float beta = 0f);

    /// <summary>Y = act(X · Wᵀ + bias) in one pass over Y. X [rows, in], W [out, in] (PyTorch layout), bias [out];
    /// every leading dimension of X is a row (as torch.nn.Linear), so X may be (batch, time, in).</summary>
    void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, ActivationKind activation, float activationAlpha = 0.01f);

    /// <summary>Gradients of Z = X · Wᵀ + bias given dZ [batch, out]: dW = dZᵀ · X (overwritten),
    /// dBias = Σ_batch dZ (overwritten, when not null), dX = dZ · W (overwritten, when not null).</summary>
    void DenseBackward(Tensor x, Tensor weight, Tensor dz, Tensor dWeight, Tensor? dBias, Tensor? dx);
}
