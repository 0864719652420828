using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core;

/// <summary>A sequential network: an input shape, layers, and what makes raw rows usable (feature
/// preprocessing and the class-label mapping), all saved together in the model file.</summary>
public sealed class Network
{
    private readonly List<Layer> _layers = new();
    // Names taken (case-insensitive) and, per stem, the next suffix to try: naming and the duplicate
    // check stay O(1) per layer, so a file of 20,000 layers loads in linear time (was cubic / quadratic).
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.OrdinalIgnoreCase);

    public Network(string name, Shape inputShape, ulong seed)
    {
        if (inputShape.Rank == 0 || inputShape.Size == 0)
            throw new InvalidConfigurationException($"Network '{name}': the input shape {inputShape} must have at least one non-zero dimension.");
        Name = string.IsNullOrWhiteSpace(name) ? "network" : name;
        InputShape = inputShape;
        Seed = seed;
    }

    /// <summary>A network whose first layer decides the input shape (New-NeuralNetwork without -InputShape,
    /// then Add-Layer TextVectorization: the input is that layer's token ids).</summary>
    public static Network WithInputFromFirstLayer(string name, ulong seed) =>
        new(name, new Shape(1), seed) { InputFromFirstLayer = true };

    public string Name { get; set; }
    public Shape InputShape { get; private set; }

    /// <summary>True until the first layer is added to a network made by <see cref="WithInputFromFirstLayer"/>.</summary>
    public bool InputFromFirstLayer { get; private set; }

    /// <summary>Seed of weight initialisation (layer i draws from Derive(Seed, "init", i)).</summary>
    public ulong Seed { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    public Shape OutputShape => _layers.Count == 0 ? InputShape : _layers[^1].OutputShape;

    /// <summary>How raw feature rows become the network's input (column names, standardisation, scale).
    /// Null until fitted by training on records, or set by the dataset reader.</summary>
    public FeaturePreprocessor? Preprocessor
    {
        get => _preprocessor;
        set
        {
            _preprocessor = value;
            // A text network shows (and keeps) the vocabulary fitted for it in its first layer.
            if (_layers.Count > 0 && _layers[0] is TextVectorization text)
                text.Vocabulary = value?.Columns?.FirstOrDefault(c => c.Kind == FeatureKind.Text)?.Vectorizer;
        }
    }

    private FeaturePreprocessor? _preprocessor;

    /// <summary>For a forecasting network trained on a series: the series' properties, window, horizon and
    /// scaling (fitted on the training steps). Null for other networks.</summary>
    public SeriesPreprocessor? Series { get; set; }

    /// <summary>Class names for classification (index = class id); null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>Number of completed training epochs (saved with the model).</summary>
    public int EpochsTrained { get; set; }

    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var l in _layers) n += l.ParameterCount;
            return n;
        }
    }

    public IEnumerable<Parameter> Parameters
    {
        get
        {
            foreach (var l in _layers)
                foreach (var p in l.Parameters) yield return p;
        }
    }

    /// <summary>Appends a layer: names it if unnamed, checks its input against the current output shape
    /// (a mismatch throws <see cref="ShapeMismatchException"/> naming both shapes, and the network is
    /// unchanged), and initialises its weights from this network's seed.</summary>
    public Network Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is TextVectorization && _layers.Count > 0)
            throw new InvalidConfigurationException($"Network '{Name}': TextVectorization turns a record's text into token ids, so it must be the first layer (the network already has {_layers.Count}).");
        Shape? firstInput = null;
        if (InputFromFirstLayer)
        {
            if (layer is not TextVectorization text)
                throw new InvalidConfigurationException($"Network '{Name}' was created without -InputShape, so its first layer must define the input (Add-Layer TextVectorization); give New-NeuralNetwork -InputShape to start with a {layer.Type} layer.");
            firstInput = text.IdsShape;
        }
        bool named = !string.IsNullOrEmpty(layer.Name);
        if (named && _names.Contains(layer.Name))
            throw new InvalidConfigurationException($"Network '{Name}' already has a layer named '{layer.Name}'.");
        string stem = layer.Type.ToLowerInvariant();
        int suffix = 0;
        string name = named ? layer.Name : UniqueName(stem, out suffix);
        if (!named) layer.Name = name;
        try
        {
            layer.Build(firstInput ?? OutputShape, NeuralRandom.Derive(Seed, "init", _layers.Count));
        }
        catch
        {
            if (!named) layer.Name = string.Empty; // the network is unchanged, the layer can be added again
            throw;
        }
        _names.Add(name);
        if (firstInput is { } input)
        {
            InputShape = input;
            InputFromFirstLayer = false;
        }
        if (!named) _nextSuffix[stem] = suffix + 1; // only once added: a failed add leaves the name free
        _layers.Add(layer);
        return this;
    }

    /// <summary>Re-initialises every layer's weights from the network's seed (as a fresh network would have).</summary>
    public void ResetParameters()
    {
        for (int i = 0; i < _layers.Count; i++) _layers[i].Initialize(NeuralRandom.Derive(Seed, "init", i));
        EpochsTrained = 0;
    }

    // The first free "stem_i", resuming after the last suffix handed out for this stem (amortised O(1)).
    private string UniqueName(string stem, out int suffix)
    {
        suffix = _nextSuffix.TryGetValue(stem, out int next) ? next : 1;
        string candidate;
        while (_names.Contains(candidate = $"{stem}_{suffix}")) suffix++;
        return candidate;
    }

    /// <summary>Runs the layers in order on a batch [batch, ..InputShape]. The result is owned by the last layer.</summary>
    public Tensor Forward(Tensor input, LayerContext context)
    {
        if (_layers.Count == 0) throw new InvalidConfigurationException($"Network '{Name}' has no layers.");
        if (!AcceptsBatch(input.Shape))
            throw new ShapeMismatchException($"Network '{Name}' expects input {InputShape.WithBatch(-1).ToString().Replace("-1", "batch")} but got {input.Shape}.");
        Tensor x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            // At inference a one-channel 3×3 Conv2d and the 2×2 max pool after it run as one pass, so the convolution's
            // output never goes to memory (see ConvDirect.ForwardMaxPool2x2).
            if (!context.Training && i + 1 < _layers.Count && _layers[i] is Conv2d conv && _layers[i + 1] is MaxPool2d pool
                && pool.TryForwardFused(conv, x, context, out var pooled))
            {
                x = pooled;
                i++;
                continue;
            }
            x = _layers[i].Forward(x, context);
        }
        return x;
    }

    /// <summary>The training forward of <paramref name="layers"/> (a network's, in order) on a batch, for a backward by
    /// <see cref="BackwardLayers"/> that asks the first layer for no input gradient (the trainer's and <see cref="Backward"/>'s):
    /// a Conv2d and the 2×2 max pool after it run as one pass where a kernel for the pair applies
    /// (<see cref="MaxPool2d.TryForwardFusedTraining"/>: a one-channel 3×3 first layer, or a Winograd convolution), so the
    /// convolution's output never goes to memory, and their backward is one pass too. The pooled values and the argmax are
    /// bit for bit those of the layers one by one, and so are the gradients (the first layer's) or they are those of the
    /// pooled backward (<see cref="Backends.Cpu.ConvMaxPooledBackward"/>), which BackwardLayers would take anyway.</summary>
    internal static Tensor ForwardTraining(IReadOnlyList<Layer> layers, Tensor x, LayerContext context)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (i + 1 < layers.Count && layers[i] is Conv2d conv && layers[i + 1] is MaxPool2d pool
                && pool.TryForwardFusedTraining(conv, x, context, firstLayer: i == 0, out var pooled))
            {
                x = pooled;
                i++;
                continue;
            }
            x = layers[i].Forward(x, context);
        }
        return x;
    }

    // Compares dims in place: Shape.WithoutBatch() would allocate on every inference call.
    private bool AcceptsBatch(Shape batch)
    {
        if (batch.Rank != InputShape.Rank + 1) return false;
        for (int i = 0; i < InputShape.Rank; i++) if (batch[i + 1] != InputShape[i]) return false;
        return true;
    }

    /// <summary>Back-propagates dLoss/dOutput through the layers in reverse, writing every trainable parameter's gradient.
    /// Layers before <see cref="FirstTrainableLayer"/> (a frozen prefix) get no Backward, and that layer is asked
    /// for no input gradient.</summary>
    public void Backward(Tensor outputGradient, LayerContext context) =>
        BackwardLayers(_layers, outputGradient, _layers.Count - 1, Math.Max(FirstTrainableLayer, 0), context, firstNeedsInputGradient: false);

    /// <summary>Backward through layers[last] down to layers[first] (each asked for its input gradient except the first,
    /// unless <paramref name="firstNeedsInputGradient"/>); returns the last input gradient. A MaxPool2d after a Conv2d
    /// whose act′ is read from its output applies that derivative in its own backward
    /// (<see cref="MaxPool2d.TryBackwardThroughActivation"/>), which saves the convolution a pass over its output
    /// gradient; the result is the same.</summary>
    internal static Tensor? BackwardLayers(IReadOnlyList<Layer> layers, Tensor? g, int last, int first, LayerContext context, bool firstNeedsInputGradient)
    {
        for (int i = last; i >= first; i--)
        {
            if (i > first && layers[i] is MaxPool2d pool && layers[i - 1] is Conv2d conv)
            {
                // The convolution's gradients straight from the pool's, only where the windows' winners are (after
                // ForwardTraining's fused pair, or the two layers' own forwards).
                if (pool.TryBackwardConvolution(conv, g!, context, needInputGradient: i - 1 > first || firstNeedsInputGradient, out var pooledDx))
                {
                    i--;
                    g = pooledDx;
                    continue;
                }
                if (pool.TryBackwardThroughActivation(conv, g!, context, out var dz))
                {
                    i--;
                    g = conv.BackwardFromPreActivation(dz, context, needInputGradient: i > first || firstNeedsInputGradient);
                    continue;
                }
            }
            g = layers[i].Backward(g!, context, needInputGradient: i > first || firstNeedsInputGradient);
        }
        return g;
    }

    /// <summary>Index of the first layer that training changes (<see cref="Layer.HasTrainableParameters"/>), or −1
    /// when every layer is frozen or has no parameters. Back-propagation stops there.</summary>
    public int FirstTrainableLayer
    {
        get
        {
            for (int i = 0; i < _layers.Count; i++) if (_layers[i].HasTrainableParameters) return i;
            return -1;
        }
    }

    /// <summary>Removes the last <paramref name="count"/> layers (to put a new head on a trained network); their
    /// names become free again. The input preprocessing and the class names stay (a new head for other classes
    /// trained on a dataset adopts the dataset's class names once <see cref="ClassNames"/> is set to null). Returns
    /// the network.</summary>
    public Network RemoveLast(int count)
    {
        if (count < 1 || count > _layers.Count)
            throw new InvalidConfigurationException($"Network '{Name}' has {_layers.Count} layer{(_layers.Count == 1 ? "" : "s")}; cannot remove the last {count}.");
        for (int i = 0; i < count; i++)
        {
            var layer = _layers[^1];
            _layers.RemoveAt(_layers.Count - 1);
            _names.Remove(layer.Name);
        }
        return this;
    }

    /// <summary>Rows of the Keras-style summary: name, type, output shape, parameters.</summary>
    public IReadOnlyList<LayerSummary> Summary()
    {
        var rows = new List<LayerSummary>(_layers.Count);
        foreach (var l in _layers) rows.Add(new LayerSummary(l.Name, l.Type, l.OutputShape, l.ParameterCount, l.Details, l.Frozen));
        return rows;
    }

    public override string ToString() => $"{Name}: {InputShape} -> {OutputShape}, {_layers.Count} layers, {ParameterCount:N0} parameters";
}

/// <summary>One row of the network summary. Frozen: training leaves the layer unchanged (Lock-Layer).</summary>
public sealed record LayerSummary(string Name, string Type, Shape OutputShape, long Parameters, string Details, bool Frozen = false);
