namespace NeuralPS.Core.Backends;

/// <summary>One 2-d pooling over an NCHW batch (cuDNN's pooling descriptor plus tensor shapes):
/// x [N, C, H, W] → y [N, C, OutputHeight, OutputWidth]. Padding and output size follow
/// <see cref="ConvolutionGeometry.ResolveAxis"/> with dilation 1 ("Same" may pad one more row/column
/// at the bottom/right). As in PyTorch, explicit padding may be at most half the window, so every
/// window holds at least one real input element. Max pooling treats padding as −∞.</summary>
public readonly record struct PoolingGeometry
{
    public int Batch { get; init; }
    public int Channels { get; init; }
    public int InputHeight { get; init; }
    public int InputWidth { get; init; }
    public int WindowHeight { get; init; }
    public int WindowWidth { get; init; }
    public int StrideHeight { get; init; }
    public int StrideWidth { get; init; }
    public int PadTop { get; init; }
    public int PadBottom { get; init; }
    public int PadLeft { get; init; }
    public int PadRight { get; init; }
    public int OutputHeight { get; init; }
    public int OutputWidth { get; init; }

    public int InputPlane => InputHeight * InputWidth;
    public int OutputPlane => OutputHeight * OutputWidth;
    public bool IsSymmetric => PadTop == PadBottom && PadLeft == PadRight;

    public PoolingGeometry WithBatch(int batch) => this with { Batch = batch };

    public static PoolingGeometry Create(int batch, int channels, int height, int width, int windowHeight, int windowWidth,
        int strideHeight, int strideWidth, PaddingMode padding = PaddingMode.Valid, int padHeight = 0, int padWidth = 0)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ShapeMismatchException($"Pooling input ({channels}, {height}, {width}) must have positive channels, height and width.");
        if (windowHeight <= 0 || windowWidth <= 0) throw new InvalidConfigurationException($"Pool size must be positive (got {windowHeight}x{windowWidth}).");
        if (strideHeight <= 0 || strideWidth <= 0) throw new InvalidConfigurationException($"Pooling stride must be positive (got {strideHeight}x{strideWidth}).");
        if (padding == PaddingMode.Explicit && (padHeight * 2 > windowHeight || padWidth * 2 > windowWidth))
            throw new InvalidConfigurationException($"Pooling padding {padHeight}x{padWidth} must be at most half the pool size {windowHeight}x{windowWidth}.");
        var (top, bottom, outH) = ConvolutionGeometry.ResolveAxis(height, windowHeight, strideHeight, 1, padding, padHeight, "height");
        var (left, right, outW) = ConvolutionGeometry.ResolveAxis(width, windowWidth, strideWidth, 1, padding, padWidth, "width");
        return new PoolingGeometry
        {
            Batch = batch, Channels = channels, InputHeight = height, InputWidth = width,
            WindowHeight = windowHeight, WindowWidth = windowWidth, StrideHeight = strideHeight, StrideWidth = strideWidth,
            PadTop = top, PadBottom = bottom, PadLeft = left, PadRight = right, OutputHeight = outH, OutputWidth = outW,
        };
    }

    public override string ToString() =>
        $"pool N={Batch} C={Channels} {InputHeight}x{InputWidth} -> {OutputHeight}x{OutputWidth}, window {WindowHeight}x{WindowWidth}, " +
        $"stride {StrideHeight}x{StrideWidth}, pad t{PadTop} b{PadBottom} l{PadLeft} r{PadRight}";
}
