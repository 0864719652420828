using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A trainable tensor and its gradient. Backward passes overwrite <see cref="Gradient"/>
/// (they do not accumulate), so the trainer never needs a zeroing pass.</summary>
public sealed class Parameter
{
    public Parameter(string name, Shape shape, bool applyWeightDecay)
    {
        Name = name;
        Value = new Tensor(shape);
        Gradient = new Tensor(shape);
        ApplyWeightDecay = applyWeightDecay;
    }

    /// <summary>"weight", "bias", "gamma", ...; unique within its layer.</summary>
    public string Name { get; }
    public Tensor Value { get; }
    public Tensor Gradient { get; }

    /// <summary>False for biases and normalisation scales/shifts (no weight decay on those).</summary>
    public bool ApplyWeightDecay { get; }

    public Shape Shape => Value.Shape;
}
