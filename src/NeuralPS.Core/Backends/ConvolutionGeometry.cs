using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>How a 2-d window operation pads its input: no padding ("Valid"), enough padding that the
/// output is ceil(input / stride) ("Same"), or an explicit symmetric number of rows/columns.</summary>
public enum PaddingMode
{
    Valid = 0,
    Same = 1,
    Explicit = 2,
}

/// <summary>The full description of one 2-d convolution over an NCHW batch, shaped like a cuDNN
/// convolution descriptor plus the tensor descriptors: input x [N, C, H, W], weight
/// [K, C/groups, KernelHeight, KernelWidth], output y [N, K, OutputHeight, OutputWidth].
///
/// Padding is stored per side (top, bottom, left, right). Explicit padding is symmetric. "Same"
/// padding follows TensorFlow/Keras, which agrees with PyTorch's padding='same' wherever PyTorch
/// allows it (stride 1): output = ceil(input / stride), total = max((output − 1)·stride +
/// dilation·(kernel − 1) + 1 − input, 0), top/left = total / 2 (rounded down), bottom/right = the
/// rest — so an odd total puts the extra row/column at the bottom/right (asymmetric). cuDNN only
/// accepts symmetric padding: a backend that cannot express <see cref="IsSymmetric"/> = false pads
/// the input explicitly instead.
///
/// Output size (PyTorch's formula, floor mode):
/// out = floor((in + padBefore + padAfter − dilation·(kernel − 1) − 1) / stride) + 1.</summary>
public readonly record struct ConvolutionGeometry
{
    public int Batch { get; init; }
    public int InputChannels { get; init; }
    public int InputHeight { get; init; }
    public int InputWidth { get; init; }
    public int Filters { get; init; }
    public int KernelHeight { get; init; }
    public int KernelWidth { get; init; }
    public int StrideHeight { get; init; }
    public int StrideWidth { get; init; }
    public int PadTop { get; init; }
    public int PadBottom { get; init; }
    public int PadLeft { get; init; }
    public int PadRight { get; init; }
    public int DilationHeight { get; init; }
    public int DilationWidth { get; init; }
    public int Groups { get; init; }
    public int OutputHeight { get; init; }
    public int OutputWidth { get; init; }

    /// <summary>Input channels per group (the weight's dimension 1).</summary>
    public int GroupInputChannels => InputChannels / Groups;
    /// <summary>Filters per group.</summary>
    public int GroupFilters => Filters / Groups;
    public int InputPlane => InputHeight * InputWidth;
    public int OutputPlane => OutputHeight * OutputWidth;
    public int KernelArea => KernelHeight * KernelWidth;
    /// <summary>Rows of the im2col matrix of one group: C/groups · kh · kw.</summary>
    public int PatchSize => GroupInputChannels * KernelArea;
    public int InputSize => InputChannels * InputPlane;
    public int OutputSize => Filters * OutputPlane;
    public int WeightSize => Filters * PatchSize;
    public bool IsSymmetric => PadTop == PadBottom && PadLeft == PadRight;

    /// <summary>Multiply-adds × 2 of the forward pass (the same count for backward-data and backward-filter).</summary>
    public double Flops => 2.0 * Batch * Filters * OutputPlane * PatchSize;

    /// <summary>The same convolution over a different batch size.</summary>
    public ConvolutionGeometry WithBatch(int batch) => this with { Batch = batch };

    public static ConvolutionGeometry Create(int batch, int channels, int height, int width, int filters,
        int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1,
        PaddingMode padding = PaddingMode.Valid, int padHeight = 0, int padWidth = 0,
        int dilationHeight = 1, int dilationWidth = 1, int groups = 1)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ShapeMismatchException($"Convolution input ({channels}, {height}, {width}) must have positive channels, height and width.");
        if (filters <= 0) throw new InvalidConfigurationException($"Convolution filters must be positive (got {filters}).");
        if (kernelHeight <= 0 || kernelWidth <= 0) throw new InvalidConfigurationException($"Convolution kernel size must be positive (got {kernelHeight}x{kernelWidth}).");
        if (strideHeight <= 0 || strideWidth <= 0) throw new InvalidConfigurationException($"Convolution stride must be positive (got {strideHeight}x{strideWidth}).");
        if (dilationHeight <= 0 || dilationWidth <= 0) throw new InvalidConfigurationException($"Convolution dilation must be positive (got {dilationHeight}x{dilationWidth}).");
        if (groups <= 0) throw new InvalidConfigurationException($"Convolution groups must be positive (got {groups}).");
        if (channels % groups != 0)
            throw new ShapeMismatchException($"Convolution groups = {groups} must divide the input channels ({channels}).");
        if (filters % groups != 0)
            throw new InvalidConfigurationException($"Convolution groups = {groups} must divide the number of filters ({filters}).");

        var (top, bottom, outH) = ResolveAxis(height, kernelHeight, strideHeight, dilationHeight, padding, padHeight, "height");
        var (left, right, outW) = ResolveAxis(width, kernelWidth, strideWidth, dilationWidth, padding, padWidth, "width");
        CheckSize("input", (long)channels * height * width);
        CheckSize("output", (long)filters * outH * outW);
        CheckSize("weight", (long)filters * (channels / groups) * kernelHeight * kernelWidth);
        if ((long)batch * channels * height * width > Shape.MaxElements || (long)batch * filters * outH * outW > Shape.MaxElements)
            throw new InvalidConfigurationException($"A batch of {batch} for convolution input ({channels}, {height}, {width}) and output ({filters}, {outH}, {outW}) is larger than one tensor may be ({Shape.MaxElements:N0} elements); use a smaller batch.");
        return new ConvolutionGeometry
        {
            Batch = batch, InputChannels = channels, InputHeight = height, InputWidth = width, Filters = filters,
            KernelHeight = kernelHeight, KernelWidth = kernelWidth, StrideHeight = strideHeight, StrideWidth = strideWidth,
            PadTop = top, PadBottom = bottom, PadLeft = left, PadRight = right,
            DilationHeight = dilationHeight, DilationWidth = dilationWidth, Groups = groups,
            OutputHeight = outH, OutputWidth = outW,
        };
    }

    /// <summary>Padding before/after and output length along one axis (shared with pooling).
    /// Throws <see cref="ShapeMismatchException"/> when the (dilated) window does not fit.</summary>
    public static (int Before, int After, int Output) ResolveAxis(int input, int kernel, int stride, int dilation,
        PaddingMode padding, int explicitPad, string axis)
    {
        // long throughout: each term is below 2^31, so no sum or product here can wrap; anything that ends up
        // beyond Shape.MaxElements is refused, so every coordinate a kernel derives from it fits an int.
        long span = (long)dilation * (kernel - 1) + 1;
        if (span > Shape.MaxElements)
            throw new InvalidConfigurationException($"The window spans {span:N0} along the {axis} (kernel {kernel}, dilation {dilation}), more than the largest supported extent {Shape.MaxElements:N0}.");
        long before, after;
        switch (padding)
        {
            case PaddingMode.Valid:
                before = after = 0;
                break;
            case PaddingMode.Same:
                long outSame = ((long)input + stride - 1) / stride;
                long total = Math.Max((outSame - 1) * stride + span - input, 0);
                before = total / 2;
                after = total - before;
                break;
            default:
                if (explicitPad < 0) throw new InvalidConfigurationException($"Padding must not be negative (got {explicitPad} on the {axis}).");
                before = after = explicitPad;
                break;
        }
        long padded = input + before + after;
        if (padded > Shape.MaxElements)
            throw new InvalidConfigurationException(
                $"The padded input along the {axis} is {padded:N0} ({input} + padding {before + after}), more than the largest supported extent {Shape.MaxElements:N0}; use less padding.");
        if (padded < span)
            throw new ShapeMismatchException(
                $"The window spans {span} along the {axis} (kernel {kernel}, dilation {dilation}) but the padded input is only {padded} ({input} + padding {before + after}).");
        long output = (padded - span) / stride + 1;
        return ((int)before, (int)after, (int)output);
    }

    private static void CheckSize(string what, long elements)
    {
        if (elements > Shape.MaxElements)
            throw new InvalidConfigurationException($"The convolution's {what} would have {elements:N0} elements per image, more than one tensor may hold ({Shape.MaxElements:N0}).");
    }

    public override string ToString() =>
        $"conv N={Batch} C={InputChannels} {InputHeight}x{InputWidth} -> K={Filters} {OutputHeight}x{OutputWidth}, kernel {KernelHeight}x{KernelWidth}, " +
        $"stride {StrideHeight}x{StrideWidth}, pad t{PadTop} b{PadBottom} l{PadLeft} r{PadRight}, dilation {DilationHeight}x{DilationWidth}, groups {Groups}";
}
