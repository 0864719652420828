using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>One stage of a network. Shapes here exclude the batch dimension; the tensors handed to
/// Forward/Backward carry it as dimension 0.
/// Life cycle: construct with hyper-parameters → <see cref="Build"/> with the input shape (validates,
/// creates parameters, initialises them from the network's init stream) → Forward/Backward.
/// A layer owns its output and input-gradient buffers and reuses them across batches, caching in
/// Forward exactly what Backward needs.</summary>
public abstract class Layer
{
    protected Layer(string? name) => Name = name ?? string.Empty;

    /// <summary>Unique within the network; assigned ("dense_1") when left empty.</summary>
    public string Name { get; internal set; }

    /// <summary>The type word used by Add-Layer and the model file ("Dense", "Conv2d", ...).</summary>
    public abstract string Type { get; }

    public Shape InputShape { get; private set; }
    public Shape OutputShape { get; private set; }
    public bool IsBuilt { get; private set; }

    /// <summary>Trainable parameters, in a fixed order (the order of the model file and the optimizer state).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => Array.Empty<Parameter>();

    /// <summary>A frozen layer keeps its weights during training (transfer learning: Keras' trainable = False,
    /// PyTorch's requires_grad_(False)): the optimizer does not bind its parameters, so their values and optimizer
    /// state stay bit-unchanged, and Backward computes no parameter gradients for it (its gradient tensors are not
    /// written), only the input gradient, which earlier trainable layers need; a frozen prefix of the network gets
    /// no Backward at all. A frozen BatchNorm also normalises with its running statistics and leaves them as they
    /// are (Keras' behaviour). Saved in the model file.</summary>
    public bool Frozen
    {
        get => _frozen;
        set
        {
            _frozen = value;
            OnFrozenChanged(value);
        }
    }

    private bool _frozen;

    /// <summary>Container layers pass the flag on to the layers they hold.</summary>
    protected virtual void OnFrozenChanged(bool frozen) { }

    /// <summary>The parameters training updates: none when frozen, else <see cref="Parameters"/> (a container lists
    /// those of its unfrozen inner layers).</summary>
    public virtual IReadOnlyList<Parameter> TrainableParameters => Frozen ? Array.Empty<Parameter>() : Parameters;

    /// <summary>True when training changes something in this layer, so Backward must reach it.</summary>
    public virtual bool HasTrainableParameters => !Frozen && Parameters.Count > 0;

    /// <summary><see cref="ToSpec"/> plus what every layer shares (the frozen flag): what the model file stores.</summary>
    public LayerSpec Describe()
    {
        var spec = ToSpec();
        if (Frozen) spec.Set("frozen", true);
        return spec;
    }

    /// <summary>Non-trainable persistent tensors (BatchNorm running statistics), saved with the weights.</summary>
    public virtual IReadOnlyList<(string Name, Tensor Value)> Buffers => Array.Empty<(string, Tensor)>();

    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters) n += p.Value.Size;
            return n;
        }
    }

    /// <summary>Validates the input shape, creates parameters and initialises them.
    /// Throws <see cref="ShapeMismatchException"/> naming both shapes when the input cannot be accepted.</summary>
    public void Build(Shape inputShape, NeuralRandom initRandom)
    {
        if (!inputShape.IsWithinLimit)
            throw ShapeError(inputShape, $"a shape of at most {Shape.MaxElements:N0} elements");
        var output = Configure(inputShape);
        if (!output.IsWithinLimit)
            throw new InvalidConfigurationException($"Layer '{(string.IsNullOrEmpty(Name) ? Type : Name)}' ({Type}) would output {output}, more than {Shape.MaxElements:N0} elements per sample.");
        OutputShape = output;
        InputShape = inputShape;
        IsBuilt = true;
        Initialize(initRandom);
    }

    /// <summary>Checks the input shape, creates parameters (uninitialised), returns the output shape.</summary>
    protected abstract Shape Configure(Shape inputShape);

    /// <summary>Initialises parameters (He/Glorot by activation). Called by Build; call again to re-initialise.</summary>
    public virtual void Initialize(NeuralRandom random) { }

    /// <summary>input [batch, ..InputShape] → output [batch, ..OutputShape]. The returned tensor is owned
    /// by the layer and valid until its next Forward.</summary>
    public abstract Tensor Forward(Tensor input, LayerContext context);

    /// <summary>Given dLoss/dOutput of the last Forward, writes every parameter's Gradient and returns
    /// dLoss/dInput (or null when <paramref name="needInputGradient"/> is false, e.g. for the first layer).</summary>
    public abstract Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true);

    /// <summary>Architecture without weights, for the model file and the summary.</summary>
    public abstract LayerSpec ToSpec();

    /// <summary>Short hyper-parameter description for the summary table ("256 units, ReLU").</summary>
    public virtual string Details => string.Empty;

    protected void EnsureBuilt()
    {
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Name}' ({Type}) is used before it was added to a network.");
    }

    protected ShapeMismatchException ShapeError(Shape actual, string expected) =>
        new($"Layer '{(string.IsNullOrEmpty(Name) ? Type : Name)}' ({Type}) expects input {expected} but the previous layer outputs {actual}.");
}
