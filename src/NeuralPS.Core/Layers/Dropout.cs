using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Inverted dropout (torch.nn.Dropout): in training each element is zeroed with probability
/// <see cref="Rate"/> and the survivors are scaled by 1/(1 − rate), so the expected activation is
/// unchanged and inference is the identity (no rescaling at test time). Masks come from the run's
/// dropout stream (LayerContext.Random), so a seed reproduces them.</summary>
public sealed class Dropout : Layer
{
    private Tensor? _mask;    // 0 or 1/(1 − rate), same shape as x
    private Tensor? _output;
    private Tensor? _dInput;
    private bool _lastWasIdentity;

    public Dropout(double rate, string? name = null) : base(name)
    {
        if (!(rate >= 0 && rate < 1))
            throw new InvalidConfigurationException($"Dropout{(string.IsNullOrEmpty(name) ? "" : $" '{name}'")}: rate must be in [0, 1) but is {rate}.");
        Rate = rate;
    }

    public override string Type => "Dropout";
    public double Rate { get; }
    public override string Details => $"rate {Rate:G}";

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank == 0 || inputShape.Size == 0)
            throw ShapeError(inputShape, "a non-empty shape");
        return inputShape;
    }

    // x (B, ...) -> y = x ⊙ mask in training, x itself at inference
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Columns != InputShape.Size || input.Shape.Rank != InputShape.Rank + 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Dropout) expects input {InputShape} per sample but got {input.Shape}.");
        _lastWasIdentity = !context.Training || Rate == 0;
        if (_lastWasIdentity) return input;
        int batch = input.Rows;
        var mask = BatchBuffer.Ensure(ref _mask, batch, InputShape);
        var y = BatchBuffer.Ensure(ref _output, batch, OutputShape);
        context.Backend.DropoutForward(input, mask, y, (float)Rate, context.Random);
        return y;
    }

    // dy -> dx = dy ⊙ mask
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (!needInputGradient) return null;
        if (_lastWasIdentity) return outputGradient;
        var mask = _mask ?? throw new InvalidOperationException($"Layer '{Name}': Backward before Forward.");
        if (outputGradient.Size != mask.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Dropout): output gradient {outputGradient.Shape} does not match its output {mask.Shape}.");
        var dx = BatchBuffer.Ensure(ref _dInput, mask.Rows, InputShape);
        context.Backend.Multiply(outputGradient, mask, dx);
        return dx;
    }

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name).Set("rate", Rate);

    public static Layer FromSpec(LayerSpec spec) =>
        new Dropout(spec.GetDouble("rate"), string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
