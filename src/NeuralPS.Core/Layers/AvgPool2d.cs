using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>2-d average pooling over [C, H, W] (PyTorch nn.AvgPool2d, floor mode):
///   y[n, c, oy, ox] = Σ_{window} x / divisor
/// countIncludePad = true (PyTorch's default) counts padding as zeros and divides by the whole window
/// area; false divides by the number of real elements in the window (Keras/TensorFlow's 'same').
/// Spec keys: poolSize int[1|2] (also accepted: kernelSize), stride int[1|2] (default = poolSize),
/// padding "Valid"|"Same" or paddingSize int[1|2] (at most half the pool size), countIncludePad (default true).</summary>
public sealed class AvgPool2d : Layer
{
    private PoolingGeometry _geometry;
    private Tensor? _input, _output, _inputGradient;

    public AvgPool2d(int[] poolSize, int[]? stride = null, PaddingMode padding = PaddingMode.Valid, int[]? paddingSize = null, bool countIncludePad = true, string? name = null)
        : base(name)
    {
        PoolSize = Conv2d.Pair(poolSize, "poolSize", 1);
        Stride = stride is null ? (int[])PoolSize.Clone() : Conv2d.Pair(stride, "stride", 1);
        Padding = paddingSize is not null && padding == PaddingMode.Valid ? PaddingMode.Explicit : padding;
        PaddingSize = Padding == PaddingMode.Explicit ? Conv2d.Pair(paddingSize ?? new[] { 0 }, "paddingSize", 0) : new[] { 0, 0 };
        if (PaddingSize[0] * 2 > PoolSize[0] || PaddingSize[1] * 2 > PoolSize[1])
            throw new InvalidConfigurationException($"AvgPool2d padding {PaddingSize[0]}x{PaddingSize[1]} must be at most half the pool size {PoolSize[0]}x{PoolSize[1]}.");
        CountIncludePad = countIncludePad;
    }

    public AvgPool2d(int poolSize = 2, int? stride = null, string? name = null)
        : this(new[] { poolSize }, stride is null ? null : new[] { stride.Value }, name: name) { }

    public override string Type => "AvgPool2d";
    public int[] PoolSize { get; }
    public int[] Stride { get; }
    public PaddingMode Padding { get; }
    public int[] PaddingSize { get; }
    public bool CountIncludePad { get; }

    protected override Shape Configure(Shape input)
    {
        if (input.Rank != 3) throw ShapeError(input, "(channels, height, width)");
        int minH = Padding == PaddingMode.Same ? 1 : PoolSize[0] - 2 * PaddingSize[0];
        int minW = Padding == PaddingMode.Same ? 1 : PoolSize[1] - 2 * PaddingSize[1];
        if (input[1] < minH || input[2] < minW)
            throw ShapeError(input, $"(channels, height ≥ {minH}, width ≥ {minW}) for pool size {PoolSize[0]}x{PoolSize[1]}, {Conv2d.PaddingText(Padding, PaddingSize)}");
        _geometry = PoolingGeometry.Create(1, input[0], input[1], input[2], PoolSize[0], PoolSize[1], Stride[0], Stride[1], Padding, PaddingSize[0], PaddingSize[1]);
        return new Shape(input[0], _geometry.OutputHeight, _geometry.OutputWidth);
    }

    // x [N, C, H, W] -> y [N, C, OH, OW]
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (AvgPool2d) expects input (batch, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}) but got {input.Shape}.");
        var g = _geometry.WithBatch(input.Rows);
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
        context.Backend.AvgPool2dBackward(outputGradient, dx, _geometry.WithBatch(_input.Shape[0]), CountIncludePad);
        return dx;
    }

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name).Set("poolSize", (int[])PoolSize.Clone()).Set("stride", (int[])Stride.Clone());
        if (Padding == PaddingMode.Explicit) spec.Set("paddingSize", (int[])PaddingSize.Clone());
        else spec.Set("padding", Padding.ToString());
        spec.Set("countIncludePad", CountIncludePad);
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec)
    {
        var pool = Conv2d.ReadPair(spec, spec.Has("poolSize") || !spec.Has("kernelSize") ? "poolSize" : "kernelSize", null);
        var (padding, size) = Conv2d.ReadPadding(spec);
        return new AvgPool2d(pool, spec.Has("stride") ? Conv2d.ReadPair(spec, "stride", null) : null, padding, size, spec.GetBool("countIncludePad", true), spec.Name);
    }

    public override string Details =>
        $"pool {PoolSize[0]}x{PoolSize[1]}" + (Stride[0] != PoolSize[0] || Stride[1] != PoolSize[1] ? $", stride {Stride[0]}x{Stride[1]}" : "")
        + (Padding == PaddingMode.Valid ? "" : ", " + Conv2d.PaddingText(Padding, PaddingSize) + (CountIncludePad ? "" : ", padding not counted"));
}
