using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Flattens each sample to a vector: (B, d1, d2, ...) → (B, d1·d2·...), row-major, as
/// torch.nn.Flatten. No copy: the output is a view sharing the input's storage (and the input gradient
/// a view of the output gradient's). The view object is rebuilt only when the storage behind it changes
/// (a buffer grew), so steady-state steps allocate nothing.</summary>
public sealed class Flatten : Layer
{
    private Tensor? _outputView;
    private Tensor? _inputGradientView;

    public Flatten(string? name = null) : base(name) { }

    public override string Type => "Flatten";

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank == 0 || inputShape.Size == 0)
            throw ShapeError(inputShape, "a non-empty shape");
        return new Shape(inputShape.Size);
    }

    // x (B, d1, d2, ...) -> view (B, d1·d2·...)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Columns != InputShape.Size || input.Shape.Rank != InputShape.Rank + 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Flatten) expects input {InputShape} per sample but got {input.Shape}.");
        return View(ref _outputView, input, OutputShape);
    }

    // dy (B, n) -> view (B, d1, d2, ...)
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (!needInputGradient) return null;
        if (outputGradient.Columns != OutputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Flatten): output gradient {outputGradient.Shape} does not match its output (batch, {OutputShape.Size}).");
        return View(ref _inputGradientView, outputGradient, InputShape);
    }

    private static Tensor View(ref Tensor? view, Tensor source, Shape sample)
    {
        int batch = source.Rows;
        if (view is null || !ReferenceEquals(view.Data, source.Data))
            return view = new Tensor(sample.WithBatch(batch), source.Data);
        return BatchBuffer.Ensure(ref view, batch, sample); // same storage: only the batch can differ
    }

    public override LayerSpec ToSpec() => new(Type, Name);

    public static Layer FromSpec(LayerSpec spec) => new Flatten(string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
