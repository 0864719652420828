using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Element-wise primitives: activations, losses, dropout and the small arithmetic layers
/// need. Shapes are checked by size only (the caller owns the meaning of the dimensions); an output
/// tensor may be the same object as an input where a method says so. None of these allocate.</summary>
public partial interface IBackend
{
    /// <summary>y = act(x). Element-wise for every kind except <see cref="ActivationKind.Softmax"/>,
    /// which is row-wise over the last dimension. x and y have the same size; y may be x.
    /// alpha: LeakyReLU's slope, ELU's α; beta and threshold: Softplus' (see <see cref="ActivationKind"/>).</summary>
    void ActivationForward(Tensor x, Tensor y, ActivationKind activation, float alpha = 0.01f, float beta = 1f, float threshold = 20f);

    /// <summary>dx = dy ⊙ act′ (Softmax: the Jacobian-vector product y ⊙ (dy − Σ dy·y) per row).
    /// The derivative is taken from the output y where that is exact (ReLU, LeakyReLU with alpha &gt; 0,
    /// Sigmoid, Tanh, Softmax) and from the input x otherwise (both GELUs, ELU, SELU, SiLU, Softplus,
    /// HardSigmoid, HardSwish, LeakyReLU with alpha ≤ 0);
    /// x may be null only when <see cref="ActivationNeedsInput"/> is false. dx may be dy.</summary>
    void ActivationBackward(Tensor? x, Tensor y, Tensor dy, Tensor dx, ActivationKind activation, float alpha = 0.01f, float beta = 1f, float threshold = 20f);

    /// <summary>Row-wise softmax over the last dimension, stabilised by subtracting the row maximum. y may be x.</summary>
    void Softmax(Tensor x, Tensor y);

    /// <summary>Softmax over dimension <paramref name="axis"/> of x's shape (batch included, as torch.softmax(x, dim)
    /// and ONNX Softmax(axis) for opset ≥ 13; negative counts from the end), stabilised by the maximum along
    /// that axis. y may be x.</summary>
    void Softmax(Tensor x, Tensor y, int axis);

    /// <summary>The softmax Jacobian-vector product along <paramref name="axis"/>: dx = y ⊙ (dy − Σ_axis dy·y). dx may be dy.</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int axis);

    /// <summary>Mean over the batch of −log softmax(logits)[label], computed from the logits by
    /// log-sum-exp (no overflow for any finite logit). logits [batch, classes], labels [batch].
    /// Writes dLogits = (softmax − onehot) / batch when dLogits is not null.</summary>
    double SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor? dLogits);

    /// <summary>Cross-entropy against target distributions (one-hot or soft) [batch, classes]:
    /// mean over the batch of −Σ t·log softmax(z). dLogits = (softmax·Σt − t) / batch.</summary>
    double SoftmaxCrossEntropy(Tensor logits, Tensor targets, Tensor? dLogits);

    /// <summary>Binary cross-entropy from logits, mean over all elements (PyTorch's BCEWithLogitsLoss):
    /// max(z,0) − z·t + log(1 + e^−|z|). dLogits = (sigmoid(z) − t) / elements.</summary>
    double BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Tensor? dLogits);

    /// <summary>Mean over all elements of (output − target)². dOutput = 2·(output − target) / elements.</summary>
    double MeanSquaredError(Tensor output, Tensor targets, Tensor? dOutput);

    /// <summary>Inverted dropout: mask[i] = 0 with probability rate, else 1/(1 − rate), drawn from
    /// <paramref name="random"/> in element order (so a seed reproduces the mask on every backend);
    /// y = x ⊙ mask. Backward is <see cref="Multiply"/>(dy, mask, dx). y may be x.</summary>
    void DropoutForward(Tensor x, Tensor mask, Tensor y, float rate, NeuralRandom random);

    /// <summary>result = a ⊙ b (element-wise). result may be a or b.</summary>
    void Multiply(Tensor a, Tensor b, Tensor result);

    /// <summary>result = a + b. result may be a or b.</summary>
    void Add(Tensor a, Tensor b, Tensor result);

    /// <summary>result = scale · x. result may be x.</summary>
    void Scale(Tensor x, float scale, Tensor result);

    /// <summary>destination = source (the first source.Size elements).</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>True when <see cref="ActivationBackward"/> needs the activation's input, not only its output.</summary>
    static bool ActivationNeedsInput(ActivationKind activation, float alpha) => activation switch
    {
        ActivationKind.LeakyReLU => !(alpha > 0f),
        ActivationKind.GELU or ActivationKind.GELUTanh or ActivationKind.ELU or ActivationKind.SELU or ActivationKind.SiLU
            or ActivationKind.Softplus or ActivationKind.HardSigmoid or ActivationKind.HardSwish => true,
        _ => false,
    };
}
