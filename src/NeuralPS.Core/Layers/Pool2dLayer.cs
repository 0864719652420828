using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>What MaxPool2d and AvgPool2d share: the window (pool size, stride, padding), shape
/// inference with both shapes in the error, the batch-shape check, and the spec/summary keys
/// poolSize int[1|2] (also accepted: kernelSize), stride int[1|2] (default = poolSize),
/// padding "Valid"|"Same" or paddingSize int[1|2] (at most half the pool size).
/// Subclasses add only their reduction (forward/backward primitive) and its own settings.</summary>
public abstract class Pool2dLayer : Layer
{
    protected Pool2dLayer(int[] poolSize, int[]? stride, PaddingMode padding, int[]? paddingSize, string? name)
        : base(name)
    {
        PoolSize = Conv2d.Pair(poolSize, "poolSize", 1);
        Stride = stride is null ? (int[])PoolSize.Clone() : Conv2d.Pair(stride, "stride", 1);
        Padding = paddingSize is not null && padding == PaddingMode.Valid ? PaddingMode.Explicit : padding;
        PaddingSize = Padding == PaddingMode.Explicit ? Conv2d.Pair(paddingSize ?? new[] { 0 }, "paddingSize", 0) : new[] { 0, 0 };
        if (PaddingSize[0] * 2 > PoolSize[0] || PaddingSize[1] * 2 > PoolSize[1])
            throw new InvalidConfigurationException($"{Type} padding {PaddingSize[0]}x{PaddingSize[1]} must be at most half the pool size {PoolSize[0]}x{PoolSize[1]}.");
    }

    public int[] PoolSize { get; }
    public int[] Stride { get; }
    public PaddingMode Padding { get; }
    public int[] PaddingSize { get; }

    /// <summary>The window geometry for a batch of one (re-batched per call with WithBatch).</summary>
    public PoolingGeometry Geometry { get; private set; }

    protected sealed override Shape Configure(Shape input)
    {
        if (input.Rank != 3) throw ShapeError(input, "(channels, height, width)");
        int minH = Padding == PaddingMode.Same ? 1 : PoolSize[0] - 2 * PaddingSize[0];
        int minW = Padding == PaddingMode.Same ? 1 : PoolSize[1] - 2 * PaddingSize[1];
        if (input[1] < minH || input[2] < minW)
            throw ShapeError(input, $"(channels, height ≥ {minH}, width ≥ {minW}) for pool size {PoolSize[0]}x{PoolSize[1]}, {Conv2d.PaddingText(Padding, PaddingSize)}");
        Geometry = PoolingGeometry.Create(1, input[0], input[1], input[2], PoolSize[0], PoolSize[1], Stride[0], Stride[1], Padding, PaddingSize[0], PaddingSize[1]);
        return new Shape(input[0], Geometry.OutputHeight, Geometry.OutputWidth);
    }

    /// <summary>Checks a forward input [N, C, H, W] against the built shape; returns the batch geometry.</summary>
    protected PoolingGeometry BatchGeometry(Tensor input)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' ({Type}) expects input (batch, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}) but got {input.Shape}.");
        return Geometry.WithBatch(input.Rows);
    }

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name).Set("poolSize", (int[])PoolSize.Clone()).Set("stride", (int[])Stride.Clone());
        if (Padding == PaddingMode.Explicit) spec.Set("paddingSize", (int[])PaddingSize.Clone());
        else spec.Set("padding", Padding.ToString());
        return spec;
    }

    /// <summary>The window settings of a spec: (poolSize, stride or null, padding mode, explicit padding or null).</summary>
    protected static (int[] Pool, int[]? Stride, PaddingMode Padding, int[]? PaddingSize) ReadWindow(LayerSpec spec)
    {
        var pool = Conv2d.ReadPair(spec, spec.Has("poolSize") || !spec.Has("kernelSize") ? "poolSize" : "kernelSize", null);
        var (padding, size) = Conv2d.ReadPadding(spec);
        return (pool, spec.Has("stride") ? Conv2d.ReadPair(spec, "stride", null) : null, padding, size);
    }

    public override string Details =>
        $"pool {PoolSize[0]}x{PoolSize[1]}" + (Stride[0] != PoolSize[0] || Stride[1] != PoolSize[1] ? $", stride {Stride[0]}x{Stride[1]}" : "")
        + (Padding == PaddingMode.Valid ? "" : ", " + Conv2d.PaddingText(Padding, PaddingSize));
}
