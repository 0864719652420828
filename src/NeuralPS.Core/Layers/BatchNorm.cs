using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Batch normalisation (Ioffe &amp; Szegedy 2015), PyTorch's BatchNorm1d/BatchNorm2d in one
/// layer: dimension 0 of the input shape is the channel/feature axis, the statistics of a channel run
/// over the batch and every later dimension ([features] after Dense, [C, H, W] after Conv2d).
///   training:  y = gamma·(x − mean_B)/√(var_B + eps) + beta,   running = (1 − momentum)·running + momentum·batch
///   inference: y = gamma·(x − running_mean)/√(running_var + eps) + beta
/// (PyTorch's momentum convention; running_var tracks the unbiased batch variance.)
/// gamma (init 1) and beta (init 0) are trainable without weight decay; running_mean (0) and
/// running_var (1) are buffers saved with the weights.
/// Spec keys: momentum (default 0.1), epsilon (default 1e-5).</summary>
public sealed class BatchNorm : Layer
{
    private Parameter? _gamma, _beta;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private (string, Tensor)[] _buffers = Array.Empty<(string, Tensor)>();
    private Tensor? _runningMean, _runningVariance, _saveMean, _saveInvStd;
    private Tensor? _input, _output, _inputGradient;
    private bool _statisticsSaved;

    public BatchNorm(double momentum = 0.1, double epsilon = 1e-5, string? name = null) : base(name)
    {
        if (!(momentum >= 0 && momentum <= 1)) throw new InvalidConfigurationException($"BatchNorm momentum must be in [0, 1] (got {momentum}).");
        if (!(epsilon > 0)) throw new InvalidConfigurationException($"BatchNorm epsilon must be positive (got {epsilon}).");
        Momentum = momentum;
        Epsilon = epsilon;
    }

    public override string Type => "BatchNorm";
    public double Momentum { get; }
    public double Epsilon { get; }
    public int Channels { get; private set; }

    public override IReadOnlyList<Parameter> Parameters => _parameters;
    public override IReadOnlyList<(string Name, Tensor Value)> Buffers => _buffers;

    public Tensor RunningMean => _runningMean ?? throw new InvalidOperationException("BatchNorm is not built.");
    public Tensor RunningVariance => _runningVariance ?? throw new InvalidOperationException("BatchNorm is not built.");

    protected override Shape Configure(Shape input)
    {
        if (input.Rank < 1 || input.Rank > 3 || input.Size == 0)
            throw ShapeError(input, "(features) after Dense or (channels, height, width) after Conv2d");
        Channels = input[0];
        _gamma = new Parameter("gamma", new Shape(Channels), applyWeightDecay: false);
        _beta = new Parameter("beta", new Shape(Channels), applyWeightDecay: false);
        _parameters = new[] { _gamma, _beta };
        _runningMean = new Tensor(Channels);
        _runningVariance = new Tensor(Channels);
        _saveMean = new Tensor(Channels);
        _saveInvStd = new Tensor(Channels);
        _buffers = new[] { ("runningMean", _runningMean), ("runningVariance", _runningVariance) };
        return input;
    }

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        _gamma!.Value.Fill(1f);
        _beta!.Value.Clear();
        _runningMean!.Clear();
        _runningVariance!.Fill(1f);
        _statisticsSaved = false;
    }

    // x [N, C, ...] -> y [N, C, ...]; training also saves mean/invStd [C] and updates the running statistics
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != InputShape.Rank + 1 || input.Columns != InputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (BatchNorm) expects input {InputShape} per sample but got {input.Shape}.");
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        _input = input;
        if (context.Training && !Frozen)
        {
            context.Backend.BatchNormForwardTraining(input, _gamma!.Value, _beta!.Value, y, _runningMean!, _runningVariance!,
                _saveMean!, _saveInvStd!, (float)Momentum, (float)Epsilon);
            _statisticsSaved = true;
        }
        else
        {
            context.Backend.BatchNormForwardInference(input, _gamma!.Value, _beta!.Value, _runningMean!, _runningVariance!, y, (float)Epsilon);
            _statisticsSaved = false;
        }
        return y;
    }

    // dy [N, C, ...] -> dgamma, dbeta [C], dx [N, C, ...]
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (Frozen) return FrozenBackward(outputGradient, context, needInputGradient);
        if (_input is null || !_statisticsSaved)
            throw new InvalidOperationException($"Layer '{Name}' (BatchNorm): Backward needs a training-mode Forward first.");
        // The input gradient is always computed: it costs one pass and the backend call produces it with dgamma/dbeta.
        var dx = BatchBuffer.Ensure(ref _inputGradient, _input.Rows, InputShape);
        context.Backend.BatchNormBackward(_input, outputGradient, _gamma!.Value, _saveMean!, _saveInvStd!, dx, _gamma.Gradient, _beta!.Gradient);
        return needInputGradient ? dx : null;
    }

    private Tensor? _zeros; // [C], the zero mean and shift of the frozen backward

    // Frozen: the forward normalised with the running statistics, an affine map per channel, so
    // dx = dy·γ/√(running variance + ε), which is the inference forward applied to dy with zero mean and shift.
    private Tensor? FrozenBackward(Tensor outputGradient, LayerContext context, bool needInputGradient)
    {
        if (_input is null) throw new InvalidOperationException($"Layer '{Name}' (BatchNorm): Backward before Forward.");
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, _input.Rows, InputShape);
        _zeros ??= new Tensor(_gamma!.Value.Shape);
        context.Backend.BatchNormForwardInference(outputGradient, _gamma!.Value, _zeros, _zeros, _runningVariance!, dx, (float)Epsilon);
        return dx;
    }

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name).Set("momentum", Momentum).Set("epsilon", Epsilon);

    public static Layer FromSpec(LayerSpec spec) => new BatchNorm(spec.GetDouble("momentum", 0.1), spec.GetDouble("epsilon", 1e-5), spec.Name);

    public override string Details => $"{(InputShape.Rank == 1 ? "1d" : "2d")}, momentum {Momentum:G3}, epsilon {Epsilon:G3}";
}
