using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Fully connected layer: y = act(x·Wᵀ + b), as torch.nn.Linear followed by an optional activation.
/// Shapes: x (B, in) — or a sequence (B, T, in), the same weights applied at every step, y (B, T, out) — W (out, in) — PyTorch layout, so weights map 1:1 to torch and ONNX Gemm(transB=1) —
/// b (out,), y (B, out).
/// The bias and an element-wise activation are fused into the GEMM's epilogue (one pass over y).
/// Initialisation (bias zero): He normal, std = √(2 / ((1 + α²)·in)), for ReLU, LeakyReLU, both GELUs, ELU, SiLU
/// and HardSwish, which keeps activations' variance constant through rectifiers; LeCun normal for SELU; Glorot
/// uniform, limit √(6 / (in + out)), for None, Sigmoid, Tanh, Softplus, HardSigmoid and Softmax. <see cref="WeightInit"/>
/// chooses another (PyTorch: torch.nn.Linear's U(±1/√in) weight and bias).</summary>
public sealed class Dense : Layer, IFusableOutputActivation
{
    private readonly Parameter[] _parameters;
    private Parameter? _weight, _bias;
    private Tensor? _input;    // x of the last Forward (owned by the previous layer), needed for dW
    private Tensor? _pre;      // z = x·Wᵀ + b (B, out), kept only when backward or the loss needs it
    private Tensor? _output;   // y (B, out)
    private Tensor? _dPre;     // dz (B, out)
    private Tensor? _dInput;   // dx (B, in)

    public Dense(int units, ActivationKind activation = ActivationKind.None, bool useBias = true, float? alpha = null, string? name = null,
        WeightInit weightInit = WeightInit.Auto)
        : base(name)
    {
        if (!Enum.IsDefined(weightInit)) throw new InvalidConfigurationException($"Dense layer{NameSuffix(name)}: unknown weight initialisation {weightInit}.");
        if (units <= 0) throw new InvalidConfigurationException($"Dense layer{NameSuffix(name)}: units must be positive but is {units}.");
        if (alpha is { } a && !float.IsFinite(a)) throw new InvalidConfigurationException($"Dense layer{NameSuffix(name)}: alpha must be a finite number.");
        if (!Enum.IsDefined(activation)) throw new InvalidConfigurationException($"Dense layer{NameSuffix(name)}: unknown activation {activation}.");
        Units = units;
        Activation = activation;
        UseBias = useBias;
        WeightInit = weightInit;
        Alpha = alpha ?? ActivationNames.DefaultAlpha(activation);
        _parameters = new Parameter[useBias ? 2 : 1];
    }

    public override string Type => "Dense";
    public int Units { get; }
    public ActivationKind Activation { get; }
    public bool UseBias { get; }

    /// <summary>How <see cref="Initialize"/> draws the weights and bias (Auto: by the activation, bias zero).</summary>
    public WeightInit WeightInit { get; }

    /// <summary>Negative slope of LeakyReLU; ELU's α.</summary>
    public float Alpha { get; }

    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet.");
    public Parameter? Bias => _bias;

    public override IReadOnlyList<Parameter> Parameters => _weight is null ? Array.Empty<Parameter>() : _parameters;

    public override string Details =>
        $"{Units} units" + (Activation == ActivationKind.None ? "" : $", {ActivationNames.Describe(Activation, Alpha)}") + (UseBias ? "" : ", no bias") +
        (WeightInit == WeightInit.Auto ? "" : $", {WeightInit} init");

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank == 2)
        {
            // A sequence (time, features): the same weights apply to every step (Keras' TimeDistributed(Dense)).
            ConfigureParameters(inputShape[1]);
            return new Shape(inputShape[0], Units);
        }
        if (inputShape.Rank != 1)
            throw ShapeError(inputShape, $"a vector (features,) or a sequence (time, features); add a Flatten layer before this Dense layer to turn {inputShape} into ({inputShape.Size},)");
        ConfigureParameters(inputShape[0]);
        return new Shape(Units);
    }

    private void ConfigureParameters(int features)
    {
        _weight = new Parameter("weight", new Shape(Units, features), applyWeightDecay: true);
        _parameters[0] = _weight;
        if (UseBias)
        {
            _bias = new Parameter("bias", new Shape(Units), applyWeightDecay: false);
            _parameters[1] = _bias;
        }
    }

    private int Features => InputShape[InputShape.Rank - 1];

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        int fanIn = Features, fanOut = Units;
        var w = Weight.Value.Span;
        switch (WeightInit)
        {
            case WeightInit.Auto:
                ActivationNames.InitializeWeights(w, Activation, Alpha, fanIn, fanOut, random);
                break;
            case WeightInit.GlorotUniform:
                ActivationNames.InitializeWeights(w, ActivationKind.None, Alpha, fanIn, fanOut, random);
                break;
            case WeightInit.HeNormal:
            {
                double slope = Activation == ActivationKind.LeakyReLU ? Alpha : 0;
                double std = Math.Sqrt(2.0 / ((1 + slope * slope) * fanIn));
                for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextGaussian() * std);
                break;
            }
            case WeightInit.LeCunNormal:
                ActivationNames.InitializeWeights(w, ActivationKind.SELU, Alpha, fanIn, fanOut, random);
                break;
            case WeightInit.PyTorch:
            {
                // torch.nn.Linear.reset_parameters: kaiming_uniform_(a=√5) is U(±√(6/((1+5)·in))) = U(±1/√in); bias U(±1/√in).
                double limit = 1.0 / Math.Sqrt(fanIn);
                for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * limit);
                if (_bias is not null)
                {
                    var b = _bias.Value.Span;
                    for (int i = 0; i < b.Length; i++) b[i] = (float)((random.NextDouble() * 2 - 1) * limit);
                }
                return;
            }
        }
        _bias?.Value.Clear();
    }

    // z must be materialised when the activation cannot run in the GEMM epilogue (Softmax is row-wise),
    // when its derivative needs z (GELU), or when the loss wants the logits.
    private bool StoresPreActivation =>
        Activation != ActivationKind.None &&
        (Activation == ActivationKind.Softmax || IBackend.ActivationNeedsInput(Activation, Alpha) || _keepPreActivation);

    // x (B, in) -> y (B, out)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != InputShape.Rank + 1 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Dense) expects input (batch, {string.Join(", ", InputShape)}) but got {input.Shape}.");
        int batch = input.Rows;
        _input = input;
        var y = BatchBuffer.Ensure(ref _output, batch, OutputShape);
        var backend = context.Backend;
        if (!StoresPreActivation)
        {
            backend.DenseForward(input, Weight.Value, _bias?.Value, y, Activation, Alpha);
        }
        else
        {
            var z = BatchBuffer.Ensure(ref _pre, batch, OutputShape);
            backend.DenseForward(input, Weight.Value, _bias?.Value, z, ActivationKind.None);
            backend.ActivationForward(z, y, Activation, Alpha);
        }
        return y;
    }

    // dy (B, out) -> dz = dy ⊙ act′ -> dW = dzᵀ·x, db = Σ_B dz, dx = dz·W
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        var y = _output ?? throw new InvalidOperationException($"Layer '{Name}': Backward before Forward.");
        if (outputGradient.Size != y.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Dense): output gradient {outputGradient.Shape} does not match its output {y.Shape}.");
        if (Frozen && !needInputGradient) return null;
        Tensor dz = outputGradient;
        if (Activation != ActivationKind.None)
        {
            dz = BatchBuffer.Ensure(ref _dPre, y.Rows, OutputShape);
            context.Backend.ActivationBackward(StoresPreActivation ? _pre : null, y, outputGradient, dz, Activation, Alpha);
        }
        return DenseBackward(dz, context, needInputGradient);
    }

    Tensor? IFusableOutputActivation.BackwardFromPreActivation(Tensor preActivationGradient, LayerContext context, bool needInputGradient) =>
        DenseBackward(preActivationGradient, context, needInputGradient);

    private Tensor? DenseBackward(Tensor preActivationGradient, LayerContext context, bool needInputGradient)
    {
        var x = _input ?? throw new InvalidOperationException($"Layer '{Name}': Backward before Forward.");
        Tensor? dx = needInputGradient ? BatchBuffer.Ensure(ref _dInput, x.Rows, InputShape) : null;
        if (Frozen)
        {
            // No dW GEMM and no bias reduction: only dx = dz·W (B, out)·(out, in), which earlier layers need.
            if (dx is not null) context.Backend.Gemm(preActivationGradient, false, Weight.Value, false, dx);
            return dx;
        }
        context.Backend.DenseBackward(x, Weight.Value, preActivationGradient, Weight.Gradient, _bias?.Gradient, dx);
        return dx;
    }

    ActivationKind IFusableOutputActivation.OutputActivation => Activation;

    private bool _keepPreActivation;

    bool IFusableOutputActivation.KeepPreActivation { get => _keepPreActivation; set => _keepPreActivation = value; }

    Tensor? IFusableOutputActivation.PreActivation => Activation == ActivationKind.None ? _output : _pre;

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name)
            .Set("units", Units)
            .Set("activation", Activation.ToString())
            .Set("useBias", UseBias)
            .Set("alpha", (double)Alpha);
        // Written only when chosen, so a default layer's spec (and model file) is what it was before the setting existed.
        if (WeightInit != WeightInit.Auto) spec.Set("weightInit", WeightInit.ToString());
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec) => new Dense(
        spec.GetInt("units"),
        ActivationNames.Parse(spec.GetString("activation", "None"), spec.Name),
        spec.GetBool("useBias", true),
        (float)spec.GetDouble("alpha", ActivationNames.DefaultAlpha(ActivationNames.Parse(spec.GetString("activation", "None"), spec.Name))),
        string.IsNullOrEmpty(spec.Name) ? null : spec.Name,
        spec.GetEnum<WeightInit>("weightInit", WeightInit.Auto)); // files written before the setting: Auto

    private static string NameSuffix(string? name) => string.IsNullOrEmpty(name) ? "" : $" '{name}'";
}
