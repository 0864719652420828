using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A stand-alone activation: y = act(x), any input shape. Element-wise for every kind but Softmax
/// (definitions and their PyTorch/ONNX counterparts in <see cref="ActivationKind"/>): ReLU, LeakyReLU(α),
/// Sigmoid, Tanh, GELU (exact) and GELUTanh, ELU(α), SELU, SiLU, Softplus(β, threshold), HardSigmoid,
/// HardSwish. Softmax is taken over <see cref="Axis"/>, a dimension of the batched tensor as torch.nn.Softmax(dim)
/// counts it (−1, the default, is the last; 1 is the channels of a (channels, height, width) input); the batch
/// dimension 0 is refused, since samples are independent.
/// A trailing Softmax over the last dimension before a CrossEntropy loss (or Sigmoid before BinaryCrossEntropy) is
/// handled by the trainer, which takes the fused, stable gradient from this layer's input (the logits).</summary>
public sealed class Activation : Layer, IFusableOutputActivation
{
    private Tensor? _input;   // x of the last Forward, owned by the previous layer
    private Tensor? _output;  // y, same shape as x
    private Tensor? _dInput;  // dx
    private int _axis;        // Softmax: Axis resolved against the batched input, 1 … rank

    public Activation(ActivationKind kind, float? alpha = null, string? name = null, float beta = 1f, float threshold = 20f, int axis = -1) : base(name)
    {
        if (!Enum.IsDefined(kind)) throw new InvalidConfigurationException($"Unknown activation {kind}.");
        if (alpha is { } a && !float.IsFinite(a)) throw new InvalidConfigurationException("The activation's alpha must be a finite number.");
        if (!float.IsFinite(beta) || beta <= 0f) throw new InvalidConfigurationException($"Softplus' beta must be a finite number greater than 0 but is {beta}.");
        if (!float.IsFinite(threshold)) throw new InvalidConfigurationException($"Softplus' threshold must be a finite number but is {threshold}.");
        if (axis == 0) throw new InvalidConfigurationException("Softmax over axis 0 would mix the samples of a batch; use 1 … rank (the sample's dimensions) or −1 for the last.");
        Kind = kind;
        Alpha = alpha ?? ActivationNames.DefaultAlpha(kind);
        Beta = beta;
        Threshold = threshold;
        Axis = axis;
    }

    public override string Type => "Activation";
    public ActivationKind Kind { get; }

    /// <summary>Negative slope of LeakyReLU; ELU's α.</summary>
    public float Alpha { get; }

    /// <summary>Softplus' β (default 1).</summary>
    public float Beta { get; }

    /// <summary>Softplus' threshold (default 20): above it (β·x &gt; threshold) the output is x.</summary>
    public float Threshold { get; }

    /// <summary>Softmax's dimension, counted on the batched tensor as torch.nn.Softmax(dim): −1 (default) the last.</summary>
    public int Axis { get; }

    public override string Details => Kind switch
    {
        ActivationKind.Softplus when Beta != 1f || Threshold != 20f => $"Softplus (beta {Beta:G}, threshold {Threshold:G})",
        ActivationKind.Softmax when Axis != -1 => $"Softmax (axis {Axis})",
        _ => ActivationNames.Describe(Kind, Alpha),
    };

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank == 0 || inputShape.Size == 0)
            throw ShapeError(inputShape, "a non-empty shape");
        if (Kind == ActivationKind.Softmax)
        {
            int rank = inputShape.Rank + 1; // with the batch
            int axis = Axis < 0 ? Axis + rank : Axis;
            if (axis < 1 || axis >= rank)
                throw new ShapeMismatchException($"Layer '{(string.IsNullOrEmpty(Name) ? Type : Name)}' (Activation): Softmax axis {Axis} does not exist for input {inputShape} " +
                    $"with its batch dimension (axes 1 … {rank - 1}, or −1 … −{rank - 1}; axis 0, the batch, is not allowed).");
            _axis = axis;
        }
        return inputShape;
    }

    private bool SoftmaxOverLast => _axis == InputShape.Rank;

    // x (B, ...) -> y (B, ...)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Columns != InputShape.Size || input.Shape.Rank != InputShape.Rank + 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Activation) expects input {InputShape} per sample but got {input.Shape}.");
        _input = input;
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        if (Kind == ActivationKind.Softmax && !SoftmaxOverLast) context.Backend.Softmax(input, y, _axis);
        else context.Backend.ActivationForward(input, y, Kind, Alpha, Beta, Threshold);
        return y;
    }

    // dy (B, ...) -> dx = dy ⊙ act′ (Softmax: y ⊙ (dy − Σ_axis dy·y))
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        var y = _output ?? throw new InvalidOperationException($"Layer '{Name}': Backward before Forward.");
        if (!needInputGradient) return null;
        if (outputGradient.Size != y.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Activation): output gradient {outputGradient.Shape} does not match its output {y.Shape}.");
        var dx = BatchBuffer.Ensure(ref _dInput, y.Rows, InputShape);
        if (Kind == ActivationKind.Softmax && !SoftmaxOverLast) context.Backend.SoftmaxBackward(y, outputGradient, dx, _axis);
        else context.Backend.ActivationBackward(_input, y, outputGradient, dx, Kind, Alpha, Beta, Threshold);
        return dx;
    }

    // A Softmax over another axis than the classes is not the loss' softmax: no fusion.
    ActivationKind IFusableOutputActivation.OutputActivation =>
        Kind == ActivationKind.Softmax && !SoftmaxOverLast ? ActivationKind.None : Kind;

    // The input is always at hand, so there is nothing extra to keep.
    bool IFusableOutputActivation.KeepPreActivation { get => true; set { } }

    Tensor? IFusableOutputActivation.PreActivation => _input;

    // The gradient with respect to the pre-activation is this layer's input gradient as it stands.
    Tensor? IFusableOutputActivation.BackwardFromPreActivation(Tensor preActivationGradient, LayerContext context, bool needInputGradient) =>
        needInputGradient ? preActivationGradient : null;

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name)
            .Set("activation", Kind.ToString())
            .Set("alpha", (double)Alpha);
        if (Kind == ActivationKind.Softplus) spec.Set("beta", (double)Beta).Set("threshold", (double)Threshold);
        if (Kind == ActivationKind.Softmax && Axis != -1) spec.Set("axis", Axis);
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec)
    {
        var kind = ActivationNames.Parse(spec.GetString("activation"), spec.Name);
        return new Activation(
            kind,
            (float)spec.GetDouble("alpha", ActivationNames.DefaultAlpha(kind)),
            string.IsNullOrEmpty(spec.Name) ? null : spec.Name,
            (float)spec.GetDouble("beta", 1),
            (float)spec.GetDouble("threshold", 20),
            spec.GetInt("axis", -1));
    }
}
