using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A stand-alone activation: y = act(x), any input shape. Element-wise for ReLU, LeakyReLU(alpha),
/// Sigmoid, Tanh and GELU (tanh approximation); Softmax is taken over the last dimension (as
/// torch.nn.Softmax(dim=-1)), which for a (features,) input is per sample.
/// A trailing Softmax before a CrossEntropy loss (or Sigmoid before BinaryCrossEntropy) is handled by the
/// trainer, which takes the fused, stable gradient from this layer's input (the logits).</summary>
public sealed class Activation : Layer, IFusableOutputActivation
{
    private Tensor? _input;   // x of the last Forward, owned by the previous layer
    private Tensor? _output;  // y, same shape as x
    private Tensor? _dInput;  // dx

    public Activation(ActivationKind kind, float alpha = 0.01f, string? name = null) : base(name)
    {
        if (!Enum.IsDefined(kind)) throw new InvalidConfigurationException($"Unknown activation {kind}.");
        if (!float.IsFinite(alpha)) throw new InvalidConfigurationException("The activation's alpha must be a finite number.");
        Kind = kind;
        Alpha = alpha;
    }

    public override string Type => "Activation";
    public ActivationKind Kind { get; }

    /// <summary>Negative slope of LeakyReLU.</summary>
    public float Alpha { get; }

    public override string Details => Kind == ActivationKind.LeakyReLU ? $"LeakyReLU (alpha {Alpha:G})" : Kind.ToString();

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank == 0 || inputShape.Size == 0)
            throw ShapeError(inputShape, "a non-empty shape");
        return inputShape;
    }

    // x (B, ...) -> y (B, ...)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Columns != InputShape.Size || input.Shape.Rank != InputShape.Rank + 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Activation) expects input {InputShape} per sample but got {input.Shape}.");
        _input = input;
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        context.Backend.ActivationForward(input, y, Kind, Alpha);
        return y;
    }

    // dy (B, ...) -> dx = dy ⊙ act′ (Softmax: y ⊙ (dy − Σ dy·y) per row)
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        var y = _output ?? throw new InvalidOperationException($"Layer '{Name}': Backward before Forward.");
        if (!needInputGradient) return null;
        if (outputGradient.Size != y.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Activation): output gradient {outputGradient.Shape} does not match its output {y.Shape}.");
        var dx = BatchBuffer.Ensure(ref _dInput, y.Rows, InputShape);
        context.Backend.ActivationBackward(_input, y, outputGradient, dx, Kind, Alpha);
        return dx;
    }

    ActivationKind IFusableOutputActivation.OutputActivation => Kind;

    // The input is always at hand, so there is nothing extra to keep.
    bool IFusableOutputActivation.KeepPreActivation { get => true; set { } }

    Tensor? IFusableOutputActivation.PreActivation => _input;

    // The gradient with respect to the pre-activation is this layer's input gradient as it stands.
    Tensor? IFusableOutputActivation.BackwardFromPreActivation(Tensor preActivationGradient, LayerContext context, bool needInputGradient) =>
        needInputGradient ? preActivationGradient : null;

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name)
        .Set("activation", Kind.ToString())
        .Set("alpha", (double)Alpha);

    public static Layer FromSpec(LayerSpec spec) => new Activation(
        ActivationNames.Parse(spec.GetString("activation"), spec.Name),
        (float)spec.GetDouble("alpha", 0.01),
        string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
