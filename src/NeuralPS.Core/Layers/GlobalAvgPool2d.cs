using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Mean of each channel over its spatial plane: [C, H, W] → [C]
/// (PyTorch AdaptiveAvgPool2d(1) followed by flatten; Keras GlobalAveragePooling2D).
///   y[n, c] = Σ_{h,w} x[n, c, h, w] / (H·W)        dx[n, c, h, w] = dy[n, c] / (H·W)
/// No spec keys.</summary>
public sealed class GlobalAvgPool2d : Layer
{
    private Tensor? _output, _inputGradient;
    private int _lastBatch = -1;

    public GlobalAvgPool2d(string? name = null) : base(name) { }

    public override string Type => "GlobalAvgPool2d";

    protected override Shape Configure(Shape input)
    {
        if (input.Rank != 3 || input.Size == 0) throw ShapeError(input, "(channels, height, width)");
        return new Shape(input[0]);
    }

    // x [N, C, H, W] -> y [N, C]
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (GlobalAvgPool2d) expects input (batch, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}) but got {input.Shape}.");
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        _lastBatch = input.Rows;
        context.Backend.GlobalAvgPool2dForward(input, y);
        return y;
    }

    // dy [N, C] -> dx [N, C, H, W]
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (_lastBatch < 0) throw new InvalidOperationException($"Layer '{Name}' (GlobalAvgPool2d): Backward called before Forward.");
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, _lastBatch, InputShape);
        context.Backend.GlobalAvgPool2dBackward(outputGradient, dx);
        return dx;
    }

    public override LayerSpec ToSpec() => new(Type, Name);

    public static Layer FromSpec(LayerSpec spec) => new GlobalAvgPool2d(spec.Name);

    public override string Details => "mean over height x width";
}
