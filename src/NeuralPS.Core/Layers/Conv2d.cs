using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>2-d convolution over [C, H, W] inputs (NCHW batches), as PyTorch's nn.Conv2d / Keras' Conv2D
/// with an optional fused activation:
///   y[n, k, oy, ox] = act(bias[k] + Σ_{c ∈ group(k), i, j} weight[k, c, i, j] · x[n, c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw])
/// Weight [filters, C/groups, kh, kw] (PyTorch layout), bias [filters].
/// Padding: "Valid" (none), "Same" (output = ceil(input/stride); an odd total puts the extra row/column
/// at the bottom/right, as Keras/TensorFlow, and as PyTorch's padding='same' for stride 1) or explicit
/// symmetric sizes. Initialisation: He normal (std √(2/fan_in)) for the ReLU family, Glorot uniform
/// otherwise, fan_in = C/groups·kh·kw, fan_out = filters/groups·kh·kw; bias 0.
///
/// Spec keys: filters, kernelSize int[1|2], stride int[1|2], padding "Valid"|"Same" or paddingSize int[1|2],
/// dilation int[1|2], groups, useBias, activation, alpha.</summary>
public sealed class Conv2d : Layer
{
    private Parameter? _weight, _bias;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private ConvolutionGeometry _geometry;
    private readonly ConvolutionWorkspace _workspace = new();
    private Tensor? _input, _output, _preActivation, _outputGradientBeforeActivation, _inputGradient;

    public Conv2d(int filters, int[] kernelSize, int[]? stride = null, PaddingMode padding = PaddingMode.Valid, int[]? paddingSize = null,
        int[]? dilation = null, int groups = 1, bool useBias = true, ActivationKind activation = ActivationKind.None,
        float? alpha = null, string? name = null) : base(name)
    {
        if (filters <= 0) throw new InvalidConfigurationException($"Conv2d filters must be positive (got {filters}).");
        if (groups <= 0) throw new InvalidConfigurationException($"Conv2d groups must be positive (got {groups}).");
        if (filters % groups != 0) throw new InvalidConfigurationException($"Conv2d groups = {groups} must divide the number of filters ({filters}).");
        if (activation == ActivationKind.Softmax)
            throw new InvalidConfigurationException("Conv2d cannot fuse Softmax (it is not element-wise); add an Activation layer after Flatten instead.");
        Filters = filters;
        KernelSize = Pair(kernelSize, "kernelSize", 1);
        Stride = Pair(stride ?? new[] { 1 }, "stride", 1);
        Dilation = Pair(dilation ?? new[] { 1 }, "dilation", 1);
        Padding = paddingSize is not null && padding == PaddingMode.Valid ? PaddingMode.Explicit : padding;
        PaddingSize = Padding == PaddingMode.Explicit ? Pair(paddingSize ?? new[] { 0 }, "paddingSize", 0) : new[] { 0, 0 };
        Groups = groups;
        UseBias = useBias;
        Activation = activation;
        Alpha = alpha ?? ActivationNames.DefaultAlpha(activation);
    }

    public Conv2d(int filters, int kernelSize, int stride = 1, PaddingMode padding = PaddingMode.Valid,
        ActivationKind activation = ActivationKind.None, string? name = null)
        : this(filters, new[] { kernelSize }, new[] { stride }, padding, activation: activation, name: name) { }

    public override string Type => "Conv2d";
    public int Filters { get; }
    /// <summary>[height, width].</summary>
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public int[] Dilation { get; }
    public PaddingMode Padding { get; }
    /// <summary>[rows, columns] of explicit symmetric padding (zeros unless <see cref="Padding"/> is Explicit).</summary>
    public int[] PaddingSize { get; }
    public int Groups { get; }
    public bool UseBias { get; }
    public ActivationKind Activation { get; }
    public float Alpha { get; }
    public ConvolutionGeometry Geometry => _geometry;

    public override IReadOnlyList<Parameter> Parameters => _parameters;

    protected override Shape Configure(Shape input)
    {
        if (input.Rank != 3)
            throw ShapeError(input, "(channels, height, width)");
        int c = input[0], h = input[1], w = input[2];
        if (c % Groups != 0)
            throw ShapeError(input, $"(channels, height, width) with channels divisible by groups = {Groups}");
        int minH = MinimumInput(KernelSize[0], Dilation[0], PaddingSize[0]), minW = MinimumInput(KernelSize[1], Dilation[1], PaddingSize[1]);
        if (h < minH || w < minW)
            throw ShapeError(input, $"(channels, height ≥ {minH}, width ≥ {minW}) for kernel {KernelSize[0]}x{KernelSize[1]}, dilation {Dilation[0]}x{Dilation[1]}, padding {PaddingText(Padding, PaddingSize)}");
        _geometry = ConvolutionGeometry.Create(1, c, h, w, Filters, KernelSize[0], KernelSize[1], Stride[0], Stride[1],
            Padding, PaddingSize[0], PaddingSize[1], Dilation[0], Dilation[1], Groups);
        _weight = new Parameter("weight", new Shape(Filters, c / Groups, KernelSize[0], KernelSize[1]), applyWeightDecay: true);
        _bias = UseBias ? new Parameter("bias", new Shape(Filters), applyWeightDecay: false) : null;
        _parameters = _bias is null ? new[] { _weight } : new[] { _weight, _bias };
        return new Shape(Filters, _geometry.OutputHeight, _geometry.OutputWidth);
    }

    private int MinimumInput(int kernel, int dilation, int pad) =>
        Padding == PaddingMode.Same ? 1 : Math.Max(1, dilation * (kernel - 1) + 1 - 2 * (Padding == PaddingMode.Explicit ? pad : 0));

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        int fanIn = _geometry.PatchSize, fanOut = _geometry.GroupFilters * _geometry.KernelArea;
        var w = _weight!.Value.Span;
        if (Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.GELU or ActivationKind.GELUTanh
            or ActivationKind.ELU or ActivationKind.SiLU or ActivationKind.HardSwish or ActivationKind.SELU)
        {
            double std = Math.Sqrt(2.0 / fanIn);
            for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextGaussian() * std);
        }
        else
        {
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
        _bias?.Value.Clear();
    }

    // x [N, C, H, W] -> y [N, K, OH, OW]
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Conv2d) expects input (batch, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}) but got {input.Shape}.");
        var g = _geometry.WithBatch(input.Rows);
        var y = BatchBuffer.Ensure(ref _output, g.Batch, OutputShape);
        _input = input;
        _fused = FusedPool.None;
        if (StoresPreActivation)
        {
            // An activation whose derivative needs its input (GELU) is applied after the GEMM, not fused.
            var z = BatchBuffer.Ensure(ref _preActivation, g.Batch, OutputShape);
            context.Backend.Conv2dForward(input, _weight!.Value, _bias?.Value, z, g, workspace: Workspace(context));
            context.Backend.ActivationForward(z, y, Activation, Alpha);
        }
        else
        {
            context.Backend.Conv2dForward(input, _weight!.Value, _bias?.Value, y, g, Activation, Alpha, Workspace(context));
        }
        return y;
    }

    private bool StoresPreActivation => IBackend.ActivationNeedsInput(Activation, Alpha);

    /// <summary>How the last forward ran: alone (None), or fused with the max pool after it, so that this layer kept no output of
    /// its own: at inference, or in training by the one-channel kernel (Direct) or the Winograd one, each with its own backward.</summary>
    private enum FusedPool { None, Inference, Direct, Winograd }
    private FusedPool _fused;

    /// <summary>Inference of this convolution and the 2×2 max pool <paramref name="pool"/> after it in one pass, written
    /// into <paramref name="pooled"/> (<see cref="Network.Forward"/> calls it for a Conv2d followed by a MaxPool2d). False,
    /// having done nothing, where the CPU kernel does not apply (<see cref="Backends.Cpu.ConvDirect.AppliesPooled"/>; an
    /// activation that does not commute with the maximum). Bit for bit the two forwards one after the other (the kernel of
    /// the training pass, keeping no argmax).</summary>
    internal unsafe bool TryForwardMaxPooled(Tensor input, LayerContext context, in PoolingGeometry pool, Tensor pooled)
    {
        if (context.Training || context.Backend is not CpuBackend || !IsBuilt) return false;
        if (!(Activation is ActivationKind.None or ActivationKind.ReLU || (Activation == ActivationKind.LeakyReLU && Alpha >= 0))) return false;
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size) return false;
        var g = _geometry.WithBatch(input.Rows);
        if (!Backends.Cpu.ConvDirect.AppliesPooled(g, pool) || pooled.Size != (long)pool.Batch * pool.Channels * pool.OutputPlane || pool.Batch != g.Batch)
            return false;
        fixed (float* px = input.Data, pw = _weight!.Value.Data, py = pooled.Data)
        fixed (float* pb = _bias is null ? null : _bias.Value.Data)
        {
            Backends.Cpu.ConvDirect.ForwardMaxPool2x2(px, pw, pb, py, g, pool, Activation, Alpha);
        }
        _input = input;
        _fused = FusedPool.Inference; // nothing to back-propagate from
        return true;
    }

    /// <summary>The training forward of this convolution and the 2×2 max pool <paramref name="pool"/> after it in one pass
    /// (<see cref="Network.ForwardTraining"/> calls it for every such pair): the pooled values into <paramref name="pooled"/>
    /// and each window's argmax into <paramref name="argmax"/>, bit for bit what the two layers give; this layer keeps no
    /// output, and its backward is <see cref="BackwardFromMaxPooled"/>. Two kernels: a one-channel 3×3 convolution as the
    /// network's first layer (<paramref name="firstLayer"/>; <see cref="Backends.Cpu.ConvDirect.ForwardMaxPool2x2Training"/>,
    /// no input gradient then), and the Winograd forward whose output goes straight through the pool
    /// (<see cref="Backends.Cpu.ConvWinograd.ForwardMaxPooled"/>, with the pooled backward). False, having done nothing,
    /// where neither applies or the activation is not ReLU or LeakyReLU with a slope ≥ 0 (whose derivative the pooled
    /// value tells).</summary>
    internal unsafe bool TryForwardMaxPooledTraining(Tensor input, LayerContext context, in PoolingGeometry pool, Tensor pooled, int[] argmax, bool firstLayer)
    {
        if (!context.Training || context.Backend is not CpuBackend || !IsBuilt) return false;
        if (!(Activation == ActivationKind.ReLU || (Activation == ActivationKind.LeakyReLU && Alpha >= 0))) return false;
        if (input.Shape.Rank != 4 || input.Columns != InputShape.Size) return false;
        var g = _geometry.WithBatch(input.Rows);
        if (pooled.Size != (long)pool.Batch * pool.Channels * pool.OutputPlane || argmax.Length < pooled.Size) return false;
        if (firstLayer && Backends.Cpu.ConvDirect.AppliesPooledTraining(g, pool))
        {
            fixed (float* px = input.Data, pw = _weight!.Value.Data, py = pooled.Data)
            fixed (float* pb = _bias is null ? null : _bias.Value.Data)
            fixed (int* pa = argmax)
            {
                Backends.Cpu.ConvDirect.ForwardMaxPool2x2Training(px, pw, pb, py, pa, g, pool, Activation, Alpha);
            }
            _fused = FusedPool.Direct;
        }
        else if (Backends.Cpu.ConvWinograd.AppliesMaxPooled(g, pool))
        {
            long kept = (long)g.Batch * g.InputSize + 64;
            if (_channelsLastInput is null || _channelsLastInput.LongLength < kept) _channelsLastInput = GC.AllocateUninitializedArray<float>((int)kept, pinned: true);
            fixed (float* px = input.Data, pw = _weight!.Value.Data, py = pooled.Data, pxc = _channelsLastInput)
            fixed (float* pb = _bias is null ? null : _bias.Value.Data)
            fixed (int* pa = argmax)
            {
                Backends.Cpu.ConvWinograd.ForwardMaxPooled(px, pw, pb, py, pa, pxc, g, pool, Activation, Alpha);
            }
            _fused = FusedPool.Winograd;
        }
        else return false;
        _workspace.Invalidate();
        _input = input;
        return true;
    }

    private float[]? _channelsLastInput; // the Winograd fused forward's input, channels-last, for the pooled backward

    /// <summary>The gradients after a training forward fused with the max pool (<see cref="TryForwardMaxPooledTraining"/>), from
    /// the pool's output, its gradient and its argmax. After the one-channel kernel (the network's first layer): the weight and
    /// bias gradients, bit for bit the pool's backward through this layer's activation followed by this layer's filter
    /// gradient, no input gradient. After the Winograd one: <see cref="Backends.Cpu.ConvMaxPooledBackward"/>, with the input
    /// gradient when <paramref name="needInputGradient"/>.</summary>
    internal unsafe Tensor? BackwardFromMaxPooled(Tensor pooled, Tensor pooledGradient, int[] argmax, in PoolingGeometry pool, bool needInputGradient)
    {
        if (_input is null || _fused is not (FusedPool.Direct or FusedPool.Winograd))
            throw new InvalidOperationException($"Layer '{Name}' (Conv2d): its last forward did not run fused with the max pool after it in training.");
        var g = _geometry.WithBatch(_input.Rows);
        if (_fused == FusedPool.Winograd) return PooledBackward(g, pooled, pooledGradient, argmax, pool, needInputGradient, _channelsLastInput);
        if (needInputGradient)
            throw new InvalidOperationException($"Layer '{Name}' (Conv2d): its training forward ran fused with the max pool as the network's first layer, which gives no input gradient.");
        if (Frozen) return null;
        fixed (float* px = _input.Data, py = pooled.Data, pdy = pooledGradient.Data, pdw = _weight!.Gradient.Data)
        fixed (float* pdb = _bias is null ? null : _bias.Gradient.Data)
        fixed (int* pa = argmax)
        {
            Backends.Cpu.ConvDirect.BackwardFilterMaxPooled(px, py, pdy, pa, pdw, g, pool, Activation == ActivationKind.LeakyReLU ? Alpha : 0f, pdb);
        }
        return null;
    }

    // The backend may keep the forward's im2col matrix for the filter gradient; only worth it in training.
    private ConvolutionWorkspace? Workspace(LayerContext context)
    {
        if (context.Training) return _workspace;
        _workspace.Invalidate();
        return null;
    }

    /// <summary>This layer's backward from the gradient of the max pool <paramref name="pool"/> after it, which read this
    /// layer's last output: dW, dBias and (when <paramref name="needInputGradient"/>) dx straight from the pool's output
    /// <paramref name="pooled"/>, its gradient and its <paramref name="argmax"/>, computing only where the pool sent a
    /// gradient (<see cref="Backends.Cpu.ConvMaxPooledBackward"/>). False, having done nothing, where that kernel does not
    /// apply (not the CPU backend, an activation whose derivative the output does not tell, a geometry it does not take).</summary>
    internal unsafe bool TryBackwardFromMaxPool(Tensor pooled, Tensor pooledGradient, int[] argmax, in PoolingGeometry pool, LayerContext context,
        bool needInputGradient, out Tensor? inputGradient)
    {
        inputGradient = null;
        if (context.Backend is not CpuBackend || _input is null || _output is null || _fused != FusedPool.None || !ActivationFromOutput) return false;
        var g = _geometry.WithBatch(_input.Rows);
        if (!Backends.Cpu.ConvMaxPooledBackward.Applies(g, pool) || pooled.Size != (long)pool.Batch * pool.Channels * pool.OutputPlane
            || pooledGradient.Size != pooled.Size || argmax.Length < pooled.Size)
            return false;
        inputGradient = PooledBackward(g, pooled, pooledGradient, argmax, pool, needInputGradient, channelsLastInput: null);
        return true;
    }

    /// <summary>dW, dBias (unless frozen) and dx (when <paramref name="needInputGradient"/>) by
    /// <see cref="Backends.Cpu.ConvMaxPooledBackward"/>, from the input channels-last when the forward kept it.</summary>
    private unsafe Tensor? PooledBackward(in ConvolutionGeometry g, Tensor pooled, Tensor pooledGradient, int[] argmax, in PoolingGeometry pool,
        bool needInputGradient, float[]? channelsLastInput)
    {
        if (Frozen && !needInputGradient) return null;
        var dx = needInputGradient ? BatchBuffer.Ensure(ref _inputGradient, g.Batch, InputShape) : null;
        fixed (float* px = _input!.Data, pw = _weight!.Value.Data, py = pooled.Data, pdy = pooledGradient.Data, pdw = _weight.Gradient.Data, pxc = channelsLastInput)
        fixed (float* pdb = _bias is null ? null : _bias.Gradient.Data)
        fixed (float* pdx = dx is null ? null : dx.Data)
        fixed (int* pa = argmax)
        {
            Backends.Cpu.ConvMaxPooledBackward.Backward(px, pw, py, pdy, pa, Frozen ? null : pdw, Frozen ? null : pdb, pdx, g, pool,
                mask: Activation != ActivationKind.None, slope: Activation == ActivationKind.LeakyReLU ? Alpha : 0f, xChannelsLast: pxc);
        }
        return dx;
    }

    /// <summary>True when act′ is read from the output alone and the max pool after this layer may apply it
    /// (<see cref="MaxPool2d.TryBackwardThroughActivation"/>).</summary>
    internal bool ActivationFromOutput => !StoresPreActivation &&
        (Activation is ActivationKind.None or ActivationKind.ReLU || (Activation == ActivationKind.LeakyReLU && Alpha >= 0));

    /// <summary>The output of the last forward (null after one fused with the max pool, which kept none).</summary>
    internal Tensor? LastOutput => _fused == FusedPool.None ? _output : null;

    /// <summary>Backward from dz, the gradient before the activation (the max pool after this layer applied act′).</summary>
    internal Tensor? BackwardFromPreActivation(Tensor preActivationGradient, LayerContext context, bool needInputGradient) =>
        BackwardCore(preActivationGradient, context, needInputGradient, ActivationKind.None);

    // dy [N, K, OH, OW] -> dz = dy ⊙ act' -> dW [K, C/G, kh, kw], dbias [K], dx [N, C, H, W]
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) =>
        BackwardCore(outputGradient, context, needInputGradient, Activation);

    // activation: this layer's (outputGradient is dy) or None (outputGradient is already dz).
    private Tensor? BackwardCore(Tensor outputGradient, LayerContext context, bool needInputGradient, ActivationKind activation)
    {
        if (_input is not null && _fused != FusedPool.None)
            throw new InvalidOperationException($"Layer '{Name}' (Conv2d): its last forward ran fused with the max pool after it (at inference, or in a training step as the network's first layers) and kept no output; run this layer's own training forward before Backward.");
        if (_input is null || _output is null) throw new InvalidOperationException($"Layer '{Name}' (Conv2d): Backward called before Forward.");
        var g = _geometry.WithBatch(_input.Rows);
        var dx = needInputGradient ? BatchBuffer.Ensure(ref _inputGradient, g.Batch, InputShape) : null;
        if (Frozen)
        {
            // No filter-gradient GEMM and no bias reduction: dz = dy ⊙ act′, then only dx (backward data).
            if (dx is null) return null;
            var dzFrozen = outputGradient;
            if (activation != ActivationKind.None)
            {
                dzFrozen = BatchBuffer.Ensure(ref _outputGradientBeforeActivation, g.Batch, OutputShape);
                context.Backend.ActivationBackward(StoresPreActivation ? _preActivation : null, _output, outputGradient, dzFrozen, Activation, Alpha);
            }
            context.Backend.Conv2dBackwardData(dzFrozen, _weight!.Value, dx, g);
            return dx;
        }
        if (!StoresPreActivation || activation == ActivationKind.None)
        {
            // act' from the output, all in one backend call (the CPU backend folds it into the kernels
            // where it can, e.g. the first layer's filter gradient never writes dz).
            var scratch = BatchBuffer.Ensure(ref _outputGradientBeforeActivation, g.Batch, OutputShape);
            context.Backend.Conv2dBackward(_input, _output, outputGradient, _weight!.Value, _weight.Gradient, _bias?.Gradient, dx,
                g, activation, Alpha, scratch, _workspace);
            return dx;
        }
        var dz = BatchBuffer.Ensure(ref _outputGradientBeforeActivation, g.Batch, OutputShape);
        context.Backend.ActivationBackward(_preActivation, _output, outputGradient, dz, Activation, Alpha);
        context.Backend.Conv2dBackwardFilter(_input, dz, _weight!.Gradient, _bias?.Gradient, g, _workspace);
        if (dx is not null) context.Backend.Conv2dBackwardData(dz, _weight.Value, dx, g);
        return dx;
    }

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name)
            .Set("filters", Filters)
            .Set("kernelSize", (int[])KernelSize.Clone())
            .Set("stride", (int[])Stride.Clone())
            .Set("dilation", (int[])Dilation.Clone())
            .Set("groups", Groups)
            .Set("useBias", UseBias)
            .Set("activation", Activation.ToString());
        if (Padding == PaddingMode.Explicit) spec.Set("paddingSize", (int[])PaddingSize.Clone());
        else spec.Set("padding", Padding.ToString());
        if (ActivationNames.UsesAlpha(Activation)) spec.Set("alpha", (double)Alpha);
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec)
    {
        var (padding, paddingSize) = ReadPadding(spec);
        return new Conv2d(
            spec.GetInt("filters"),
            ReadPair(spec, "kernelSize", null),
            ReadPair(spec, "stride", new[] { 1, 1 }),
            padding, paddingSize,
            ReadPair(spec, "dilation", new[] { 1, 1 }),
            spec.GetInt("groups", 1),
            spec.GetBool("useBias", true),
            ReadActivation(spec),
            (float)spec.GetDouble("alpha", ActivationNames.DefaultAlpha(ReadActivation(spec))),
            spec.Name);
    }

    public override string Details
    {
        get
        {
            var parts = new List<string> { $"{Filters} filters {KernelSize[0]}x{KernelSize[1]}" };
            if (Stride[0] != 1 || Stride[1] != 1) parts.Add($"stride {Stride[0]}x{Stride[1]}");
            parts.Add(PaddingText(Padding, PaddingSize));
            if (Dilation[0] != 1 || Dilation[1] != 1) parts.Add($"dilation {Dilation[0]}x{Dilation[1]}");
            if (Groups != 1) parts.Add($"groups {Groups}");
            if (!UseBias) parts.Add("no bias");
            if (Activation != ActivationKind.None) parts.Add(ActivationNames.Describe(Activation, Alpha));
            return string.Join(", ", parts);
        }
    }

    // ---- settings shared by the windowed layers (Conv2d, MaxPool2d, AvgPool2d) ----

    /// <summary>A (height, width) pair from one or two positive numbers.</summary>
    internal static int[] Pair(int[] values, string what, int minimum)
    {
        ArgumentNullException.ThrowIfNull(values);
        int[] pair = values.Length switch
        {
            1 => new[] { values[0], values[0] },
            2 => new[] { values[0], values[1] },
            _ => throw new InvalidConfigurationException($"{what} takes one or two numbers (height, width); got {values.Length}."),
        };
        if (pair[0] < minimum || pair[1] < minimum)
            throw new InvalidConfigurationException($"{what} must be at least {minimum}; got {pair[0]}x{pair[1]}.");
        return pair;
    }

    /// <summary>Reads a setting given as int[1], int[2] or a single number.</summary>
    internal static int[] ReadPair(LayerSpec spec, string key, int[]? fallback)
    {
        if (spec.Settings.TryGetValue(key, out var v) && v is long or double)
            return new[] { spec.GetInt(key), spec.GetInt(key) };
        var values = spec.Has(key) ? spec.GetInts(key) : fallback ?? spec.GetInts(key);
        return values.Length == 1 ? new[] { values[0], values[0] } : values;
    }

    /// <summary>"padding" = "Valid" | "Same" | a number, or "paddingSize" = int[1|2].</summary>
    internal static (PaddingMode Mode, int[]? Size) ReadPadding(LayerSpec spec)
    {
        if (spec.Has("paddingSize")) return (PaddingMode.Explicit, ReadPair(spec, "paddingSize", null));
        if (!spec.Has("padding")) return (PaddingMode.Valid, null);
        if (spec.Settings["padding"] is string s)
        {
            if (int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int p))
                return (PaddingMode.Explicit, new[] { p, p });
            if (string.Equals(s, "Explicit", StringComparison.OrdinalIgnoreCase))
                throw new ModelFileException($"Layer '{spec.Name}' ({spec.Type}): padding 'Explicit' needs the sizes in 'paddingSize'.");
            return (spec.GetEnum<PaddingMode>("padding"), null);
        }
        return (PaddingMode.Explicit, ReadPair(spec, "padding", null));
    }

    internal static ActivationKind ReadActivation(LayerSpec spec)
    {
        return ActivationNames.Parse(spec.GetString("activation", "None"), spec.Name);
    }

    internal static string PaddingText(PaddingMode mode, int[] size) =>
        mode == PaddingMode.Explicit ? $"padding {size[0]}x{size[1]}" : mode.ToString();
}
