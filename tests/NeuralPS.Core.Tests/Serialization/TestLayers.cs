using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Tests.Serialization;

/// <summary>Small private layers that exercise the model file without depending on the engine's layers:
/// a dense layer (parameters + settings), a normalisation layer with buffers (like BatchNorm), and a
/// residual-style container with children whose parameters and buffers it exposes as its own.
/// They are rebuilt through <see cref="Create"/>, handed to the model file's factory seam.</summary>
internal static class TestLayers
{
    public static Layer Create(LayerSpec spec) => spec.Type switch
    {
        "TestDense" => TestDense.FromSpec(spec),
        "TestNorm" => TestNorm.FromSpec(spec),
        "TestBlock" => TestBlock.FromSpec(spec),
        _ => throw new ModelFileException($"Unknown layer type '{spec.Type}'."),
    };

    public static Network Load(string path) => ModelFile.Decode(File.ReadAllBytes(path), path, null, Create).Network;

    public static Network Load(byte[] file, string source = "test.npsm") => ModelFile.Decode(file, source, null, Create).Network;

    public static ModelFileContents Read(byte[] file, IReadOnlyCollection<string>? understood = null) => ModelFile.Decode(file, "test.npsm", understood, Create);
}

internal sealed class TestDense : Layer
{
    private readonly int _units;
    private readonly ActivationKind _activation;
    private Parameter? _weight, _bias;
    private Tensor? _output;

    public TestDense(int units, ActivationKind activation = ActivationKind.None, string? name = null) : base(name)
    {
        _units = units;
        _activation = activation;
    }

    public override string Type => "TestDense";
    public override IReadOnlyList<Parameter> Parameters => new[] { _weight!, _bias! };
    public Parameter Weight => _weight!;
    public Parameter Bias => _bias!;

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank != 1) throw ShapeError(inputShape, "(features,)");
        _weight = new Parameter("weight", new Shape(_units, inputShape[0]), true);
        _bias = new Parameter("bias", new Shape(_units), false);
        return new Shape(_units);
    }

    public override void Initialize(NeuralRandom random)
    {
        foreach (var p in Parameters)
            for (int i = 0; i < p.Value.Size; i++) p.Value[i] = (float)(random.NextGaussian() * 0.5);
    }

    public override Tensor Forward(Tensor input, LayerContext context)
    {
        var y = Tensor.Ensure(ref _output, new Shape(input.Rows, _units));
        context.Backend.DenseForward(input, _weight!.Value, _bias!.Value, y, _activation);
        return y;
    }

    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) => throw new NotSupportedException();

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name).Set("units", _units).Set("activation", _activation).Set("note", new[] { 1, 2, 3 }).Set("scale", 0.5).Set("flag", true);

    public static Layer FromSpec(LayerSpec spec)
    {
        if (!spec.GetInts("note").SequenceEqual(new[] { 1, 2, 3 }) || spec.GetDouble("scale") != 0.5 || !spec.GetBool("flag"))
            throw new ModelFileException("TestDense settings did not round-trip.");
        return new TestDense(spec.GetInt("units"), spec.GetEnum<ActivationKind>("activation"), spec.Name);
    }
}

/// <summary>y = gamma·(x − runningMean)/sqrt(runningVar + eps) + beta at inference; running stats are buffers.</summary>
internal sealed class TestNorm : Layer
{
    private Parameter? _gamma, _beta;
    private Tensor? _mean, _var, _output;

    public TestNorm(string? name = null) : base(name) { }

    public override string Type => "TestNorm";
    public override IReadOnlyList<Parameter> Parameters => new[] { _gamma!, _beta! };
    public override IReadOnlyList<(string Name, Tensor Value)> Buffers => new[] { ("runningMean", _mean!), ("runningVar", _var!) };

    protected override Shape Configure(Shape inputShape)
    {
        int f = inputShape.Size;
        _gamma = new Parameter("gamma", new Shape(f), false);
        _beta = new Parameter("beta", new Shape(f), false);
        _mean = new Tensor(f);
        _var = new Tensor(f);
        return inputShape;
    }

    public override void Initialize(NeuralRandom random)
    {
        _gamma!.Value.Fill(1f);
        _beta!.Value.Clear();
        _mean!.Clear();
        _var!.Fill(1f);
    }

    public override Tensor Forward(Tensor input, LayerContext context)
    {
        var y = Tensor.Ensure(ref _output, input.Shape);
        int f = _gamma!.Value.Size;
        for (int i = 0; i < input.Size; i++)
        {
            int j = i % f;
            y[i] = _gamma.Value[j] * (input[i] - _mean![j]) / MathF.Sqrt(_var![j] + 1e-5f) + _beta!.Value[j];
        }
        return y;
    }

    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) => throw new NotSupportedException();

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name).Set("epsilon", 1e-5);

    public static Layer FromSpec(LayerSpec spec) => new TestNorm(spec.Name);
}

/// <summary>y = x + inner(x): a container whose inner layers travel as spec children.</summary>
internal sealed class TestBlock : Layer
{
    private readonly List<Layer> _inner;
    private Tensor? _output;

    public TestBlock(IEnumerable<Layer> inner, string? name = null) : base(name) => _inner = inner.ToList();

    public override string Type => "TestBlock";
    public IReadOnlyList<Layer> Inner => _inner;
    public override IReadOnlyList<Parameter> Parameters => _inner.SelectMany(l => l.Parameters).ToArray();
    public override IReadOnlyList<(string Name, Tensor Value)> Buffers => _inner.SelectMany(l => l.Buffers.Select(b => ($"{l.Name}.{b.Name}", b.Value))).ToArray();

    protected override Shape Configure(Shape inputShape)
    {
        var shape = inputShape;
        for (int i = 0; i < _inner.Count; i++)
        {
            if (string.IsNullOrEmpty(_inner[i].Name)) throw new InvalidConfigurationException("TestBlock children need names.");
            _inner[i].Build(shape, new NeuralRandom(0));
            shape = _inner[i].OutputShape;
        }
        if (shape != inputShape) throw ShapeError(inputShape, $"an inner output equal to the input, not {shape}");
        return inputShape;
    }

    public override void Initialize(NeuralRandom random)
    {
        foreach (var l in _inner) l.Initialize(random);
    }

    public override Tensor Forward(Tensor input, LayerContext context)
    {
        var x = input;
        foreach (var l in _inner) x = l.Forward(x, context);
        var y = Tensor.Ensure(ref _output, input.Shape);
        for (int i = 0; i < y.Size; i++) y[i] = input[i] + x[i];
        return y;
    }

    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) => throw new NotSupportedException();

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name);
        foreach (var l in _inner) spec.Children.Add(l.ToSpec());
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec) => new TestBlock(spec.Children.Select(TestLayers.Create), spec.Name);
}
