using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>2-d average pooling over [C, H, W] (PyTorch nn.AvgPool2d, floor mode):
///   y[n, c, oy, ox] = Σ_{window} x / divisor
/// countIncludePad = true (PyTorch's default) counts padding as zeros and divides by the whole window
/// area; false divides by the number of real elements in the window (Keras/TensorFlow's 'same').
/// Spec keys: those of <see cref="Pool2dLayer"/>, plus countIncludePad (default true).</summary>
public sealed class AvgPool2d : Pool2dLayer
{
    private Tensor? _input, _output, _inputGradient;

    public AvgPool2d(int[] poolSize, int[]? stride = null, PaddingMode padding = PaddingMode.Valid, int[]? paddingSize = null, bool countIncludePad = true, string? name = null)
        : base(poolSize, stride, padding, paddingSize, name)
    {
        CountIncludePad = countIncludePad;
    }

    public AvgPool2d(int poolSize = 2, int? stride = null, string? name = null)
        : this(new[] { poolSize }, stride is null ? null : new[] { stride.Value }, name: name) { }

    public override string Type => "AvgPool2d";
    public bool CountIncludePad { get; }

    // x [N, C, H, W] -> y [N, C, OH, OW]
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        var g = BatchGeometry(input);
        var y = BatchBuffer.Ensure(ref _output, g.Batch, OutputShape);
        _input = input;
        context.Backend.AvgPool2dForward(input, y, g, CountIncludePad);
        return y;
    }

    // dy [N, C, OH, OW] -> dx [N, C, H, W]
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (_input is null) throw new InvalidOperationException($"Layer '{Name}' (AvgPool2d): Backward called before Forward.");
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, _input.Rows, InputShape);
        context.Backend.AvgPool2dBackward(outputGradient, dx, Geometry.WithBatch(_input.Shape[0]), CountIncludePad);
        return dx;
    }

    public override LayerSpec ToSpec() => base.ToSpec().Set("countIncludePad", CountIncludePad);

    public static Layer FromSpec(LayerSpec spec)
    {
        var (pool, stride, padding, size) = ReadWindow(spec);
        return new AvgPool2d(pool, stride, padding, size, spec.GetBool("countIncludePad", true), spec.Name);
    }

    public override string Details => base.Details + (Padding == PaddingMode.Valid || CountIncludePad ? "" : ", padding not counted");
}
