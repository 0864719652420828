using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A residual block (He et al. 2016): a sequence of inner layers plus a skip connection,
///   y = act(inner(x) + proj(x))
/// where proj is the identity when the inner layers keep the shape, and otherwise a projection the
/// block creates itself: a 1×1 Conv2d with the stride that maps (H, W) to the inner output's size
/// (for [C, H, W] inputs), or a Dense layer (for [features] inputs). act is the optional final
/// activation (ReLU in the original ResNet).
/// Parameters: the inner layers' in order, then the projection's; Buffers likewise (named
/// "child.buffer"). The spec keeps the inner layers in <see cref="LayerSpec.Children"/>; the
/// projection follows from the shapes and is rebuilt, not stored.
/// Spec keys: activation (default None), alpha; Children = inner layers.</summary>
public sealed class Residual : Layer
{
    private readonly List<Layer> _inner;
    private Layer? _projection;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private (string, Tensor)[] _buffers = Array.Empty<(string, Tensor)>();
    private Tensor? _output, _preActivation, _sumGradient, _inputGradient;

    public Residual(IEnumerable<Layer> layers, ActivationKind activation = ActivationKind.None, float? alpha = null, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _inner = layers.ToList();
        if (_inner.Count == 0) throw new InvalidConfigurationException("A Residual block needs at least one inner layer.");
        if (_inner.Any(l => l.IsBuilt))
            throw new InvalidConfigurationException("The inner layers of a Residual block must be new (not already part of a network).");
        if (activation == ActivationKind.Softmax)
            throw new InvalidConfigurationException("A Residual block's final activation must be element-wise (not Softmax).");
        Activation = activation;
        Alpha = alpha ?? ActivationNames.DefaultAlpha(activation);
    }

    public override string Type => "Residual";
    public IReadOnlyList<Layer> Layers => _inner;
    /// <summary>The automatic projection of the skip connection, or null when it is the identity.</summary>
    public Layer? Projection => _projection;
    public ActivationKind Activation { get; }
    public float Alpha { get; }

    public override IReadOnlyList<Parameter> Parameters => _parameters;

    protected override void OnFrozenChanged(bool frozen)
    {
        foreach (var layer in _inner) layer.Frozen = frozen;
        if (_projection is not null) _projection.Frozen = frozen;
    }

    public override IReadOnlyList<Parameter> TrainableParameters
    {
        get
        {
            if (Frozen) return Array.Empty<Parameter>();
            var list = new List<Parameter>();
            foreach (var layer in _inner) list.AddRange(layer.TrainableParameters);
            if (_projection is not null) list.AddRange(_projection.TrainableParameters);
            return list;
        }
    }

    public override bool HasTrainableParameters
    {
        get
        {
            if (Frozen) return false;
            foreach (var layer in _inner) if (layer.HasTrainableParameters) return true;
            return _projection is not null && _projection.HasTrainableParameters;
        }
    }
    public override IReadOnlyList<(string Name, Tensor Value)> Buffers => _buffers;

    protected override Shape Configure(Shape input)
    {
        var shape = input;
        var placeholder = new NeuralRandom(0); // Initialize() draws the real weights
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var l in _inner) if (!string.IsNullOrEmpty(l.Name)) taken.Add(l.Name);
        var nextSuffix = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < _inner.Count; i++)
        {
            var layer = _inner[i];
            if (string.IsNullOrEmpty(layer.Name)) layer.Name = UniqueName(layer.Type.ToLowerInvariant(), taken, nextSuffix);
            try
            {
                layer.Build(shape, placeholder);
            }
            catch (ShapeMismatchException e)
            {
                throw new ShapeMismatchException($"Residual block '{(string.IsNullOrEmpty(Name) ? Type : Name)}', inner layer {i + 1}: {e.Message}");
            }
            shape = layer.OutputShape;
        }

        _projection = null;
        if (shape != input)
        {
            _projection = CreateProjection(input, shape);
            _projection.Name = "projection";
            _projection.Build(input, placeholder);
            _projection.Frozen = Frozen;
            if (_projection.OutputShape != shape)
                throw ShapeError(input, $"an input whose projection matches the inner output {shape} (the projection gives {_projection.OutputShape})");
        }

        var parameters = new List<Parameter>();
        var buffers = new List<(string, Tensor)>();
        foreach (var layer in _inner.Append(_projection))
        {
            if (layer is null) continue;
            parameters.AddRange(layer.Parameters);
            foreach (var (name, value) in layer.Buffers) buffers.Add(($"{layer.Name}.{name}", value));
        }
        _parameters = parameters.ToArray();
        _buffers = buffers.ToArray();
        return shape;
    }

    private Layer CreateProjection(Shape input, Shape output)
    {
        if (input.Rank == 3 && output.Rank == 3)
        {
            int sh = ProjectionStride(input[1], output[1]), sw = ProjectionStride(input[2], output[2]);
            if (sh == 0 || sw == 0)
                throw ShapeError(input, $"a shape that a strided 1x1 projection can map to the inner output {output}");
            return new Conv2d(output[0], new[] { 1, 1 }, new[] { sh, sw });
        }
        if (input.Rank == 1 && output.Rank == 1)
        {
            // Dense comes from the engine's layer set; go through the registry so the block does not
            // depend on its constructor.
            if (!LayerRegistry.IsKnown("Dense"))
                throw new InvalidConfigurationException("A Residual block over features needs the Dense layer for its projection, which is not registered.");
            return LayerRegistry.Create(new LayerSpec("Dense", "projection").Set("units", output[0]));
        }
        throw ShapeError(input, $"the same rank as the inner output {output} (a projection maps (C, H, W) to (C', H', W') or (F) to (F'))");
    }

    /// <summary>The smallest stride s with which a 1×1 window over <paramref name="size"/> gives <paramref name="target"/>
    /// outputs (floor((size − 1)/s) + 1 = target), or 0 when there is none. Closed form (was a scan over every
    /// stride: seconds for a large size, and a divide-by-zero when the counter wrapped at 2^31 − 1):
    /// with m = size − 1 and q = target − 1, floor(m/s) = q ⇔ m/(q + 1) &lt; s ≤ m/q.</summary>
    internal static int ProjectionStride(int size, int target)
    {
        if (size <= 0 || target <= 0) return 0;
        long m = size - 1L, q = target - 1L;
        if (q == 0) return size; // every s > m works; the smallest that is ≥ 1
        long s = m / (q + 1) + 1;
        return s <= m / q ? (int)s : 0;
    }

    // "stem_k" with the first k no inner layer uses, resuming after the last k handed out for the stem:
    // a block of many unnamed layers is named in linear time (was quadratic per layer).
    private static string UniqueName(string stem, HashSet<string> taken, Dictionary<string, int> nextSuffix)
    {
        int k = nextSuffix.TryGetValue(stem, out int next) ? next : 1;
        string candidate;
        while (taken.Contains(candidate = $"{stem}_{k}")) k++;
        nextSuffix[stem] = k + 1;
        taken.Add(candidate);
        return candidate;
    }

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        foreach (var layer in _inner) layer.Initialize(new NeuralRandom(random.NextUInt64()));
        _projection?.Initialize(new NeuralRandom(random.NextUInt64()));
    }

    // x [N, ..in] -> h = inner(x) [N, ..out], p = proj(x) or x -> y = act(h + p)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        var h = input;
        foreach (var layer in _inner) h = layer.Forward(h, context);
        var p = _projection is null ? input : _projection.Forward(input, context);
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        if (StoresPreActivation)
        {
            var z = BatchBuffer.Ensure(ref _preActivation, input.Rows, OutputShape);
            context.Backend.Add(h, p, z);
            context.Backend.ActivationForward(z, y, Activation, Alpha);
        }
        else
        {
            context.Backend.Add(h, p, y);
            if (Activation != ActivationKind.None) context.Backend.ActivationForward(y, y, Activation, Alpha);
        }
        return y;
    }

    private bool StoresPreActivation => IBackend.ActivationNeedsInput(Activation, Alpha);

    // dy -> ds = dy ⊙ act'; inner backward(ds) + proj backward(ds) (or ds) -> dx
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (_output is null) throw new InvalidOperationException($"Layer '{Name}' (Residual): Backward called before Forward.");
        var ds = outputGradient;
        if (Activation != ActivationKind.None)
        {
            ds = BatchBuffer.Ensure(ref _sumGradient, _output.Rows, OutputShape);
            context.Backend.ActivationBackward(StoresPreActivation ? _preActivation : null, _output, outputGradient, ds, Activation, Alpha);
        }
        Tensor? g = Network.BackwardLayers(_inner, ds, _inner.Count - 1, 0, context, firstNeedsInputGradient: needInputGradient);
        var skip = _projection is null ? ds : _projection.Backward(ds, context, needInputGradient);
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, ds.Rows, InputShape);
        context.Backend.Add(g!, skip!, dx);
        return dx;
    }

    public override LayerSpec ToSpec()
    {
        var spec = new LayerSpec(Type, Name).Set("activation", Activation.ToString());
        if (ActivationNames.UsesAlpha(Activation)) spec.Set("alpha", (double)Alpha);
        foreach (var layer in _inner) spec.Children.Add(layer.Describe());
        return spec;
    }

    public static Layer FromSpec(LayerSpec spec)
    {
        if (spec.Children.Count == 0)
            throw new ModelFileException($"Residual block '{spec.Name}' has no inner layers.");
        var layers = spec.Children.Select(LayerRegistry.Create).ToList();
        return new Residual(layers, Conv2d.ReadActivation(spec), (float)spec.GetDouble("alpha", ActivationNames.DefaultAlpha(Conv2d.ReadActivation(spec))), spec.Name);
    }

    public override string Details
    {
        get
        {
            string inner = string.Join(" → ", _inner.Select(l => l.Type));
            string proj = _projection switch
            {
                null => "identity skip",
                Conv2d c => $"1x1 conv projection, stride {c.Stride[0]}x{c.Stride[1]}",
                _ => $"{_projection.Type} projection",
            };
            return $"[{inner}] + {proj}" + (Activation != ActivationKind.None ? $", {Activation}" : "");
        }
    }
}
