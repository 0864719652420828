using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Element-wise primitives: activations, losses, dropout and the small arithmetic layers
/// need. Shapes are checked by size only (the caller owns the meaning of the dimensions); an output
/// tensor may be the same object as an input where a method says so. None of these allocate.</summary>
public partial interface IBackend
{
    /// <summary>y = act(x). Element-wise for every kind except <see cref="ActivationKind.Softmax"/>,
    /// which is row-wise over the last dimension. x and y have the same size; y may be x.</summary>
    void ActivationForward(Tensor x, Tensor y, ActivationKind activation, float alpha = 0.01f);

    /// <summary>dx = dy ⊙ act′ (Softmax: the Jacobian-vector product y ⊙ (dy − Σ dy·y) per row).
    /// The derivative is taken from the output y where that is exact (ReLU, LeakyReLU with alpha &gt; 0,
    /// Sigmoid, Tanh, Softmax) and from the input x otherwise (GELU, LeakyReLU with alpha ≤ 0);
    /// x may be null only when <see cref="ActivationNeedsInput"/> is false. dx may be dy.</summary>
    void ActivationBackward(Tensor? x, Tensor y, Tensor dy, Tensor dx, ActivationKind activation, float alpha = 0.01f);

    /// <summary>Row-wise softmax over the last dimension, stabilised by subtracting the row maximum. y may be x.</summary>
    void Softmax(Tensor x, Tensor y);

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
    static bool ActivationNeedsInput(ActivationKind activation, float alpha) =>
        activation == ActivationKind.GELU || (activation == ActivationKind.LeakyReLU && !(alpha > 0f));
}
