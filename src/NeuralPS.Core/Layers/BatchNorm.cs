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
        if (context.Training && !Frozen && context.BatchStatistics is { } sync)
        {
            SynchronisedForward(input, y, sync);
            _synchronised = sync;
            _statisticsSaved = true;
        }
        else if (context.Training && !Frozen)
        {
            _synchronised = null;
            context.Backend.BatchNormForwardTraining(input, _gamma!.Value, _beta!.Value, y, _runningMean!, _runningVariance!,
                _saveMean!, _saveInvStd!, (float)Momentum, (float)Epsilon);
            _statisticsSaved = true;
        }
        else
        {
            // inference, or a frozen layer in training (it keeps and uses its running statistics)
            _synchronised = null;
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
        if (_synchronised is { } sync)
        {
            SynchronisedBackward(_input, outputGradient, dx, sync);
            return needInputGradient ? dx : null;
        }
        context.Backend.BatchNormBackward(_input, outputGradient, _gamma!.Value, _saveMean!, _saveInvStd!, dx, _gamma.Gradient, _beta!.Gradient);
        return needInputGradient ? dx : null;
    }

    private IBatchStatisticsSync? _synchronised;
    private double[] _syncSums = Array.Empty<double>();
    private double _syncCount;

    // Synchronised BatchNorm (data-parallel training, PyTorch's SyncBatchNorm): the batch statistics are those
    // of the global batch, whose shards live on several ranks. x [n, C, S] on this rank (S = the spatial size).
    //   forward:  per channel Σx, Σx² and the count, summed over the ranks; mean = Σx/M, var = Σx²/M − mean² (in
    //             float64; M = the global count); y = gamma·(x − mean)·invStd + beta; running statistics as usual.
    //   backward: the gradients of gamma and beta are this rank's sums Σdy·x̂, Σdy (the trainer's all-reduce adds
    //             them, scaled by this rank's share w); dx needs the global sums of the global loss's dy = w·dy:
    //             dx = gamma·invStd·(dy − Σ(w·dy)/(M·w) − x̂·Σ(w·dy·x̂)/(M·w)), in this rank's scale (the trainer
    //             multiplies by w again). One rank (w = 1) gives the ordinary BatchNorm backward.
    private void SynchronisedForward(Tensor input, Tensor output, IBatchStatisticsSync sync)
    {
        int c = Channels, n = input.Rows, s = InputShape.Size / c;
        if (_syncSums.Length < 2 * c + 1) _syncSums = new double[2 * c + 1];
        var sums = _syncSums.AsSpan(0, 2 * c + 1);
        sums.Clear();
        ReadOnlySpan<float> x = input.Span;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                var plane = x.Slice((i * c + ch) * s, s);
                double sum = 0, squares = 0;
                foreach (float v in plane) { sum += v; squares += (double)v * v; }
                sums[ch] += sum;
                sums[c + ch] += squares;
            }
        sums[2 * c] = (double)n * s;
        sync.Sum(sums);
        double m = _syncCount = sums[2 * c];
        Span<float> mean = _saveMean!.Span, invStd = _saveInvStd!.Span, runningMean = _runningMean!.Span, runningVariance = _runningVariance!.Span;
        ReadOnlySpan<float> gamma = _gamma!.Value.Span, beta = _beta!.Value.Span;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = sums[ch] / m;
            double variance = Math.Max(sums[c + ch] / m - mu * mu, 0);
            mean[ch] = (float)mu;
            invStd[ch] = (float)(1 / Math.Sqrt(variance + Epsilon));
            double unbiased = m > 1 ? variance * m / (m - 1) : variance;
            runningMean[ch] = (float)((1 - Momentum) * runningMean[ch] + Momentum * mu);
            runningVariance[ch] = (float)((1 - Momentum) * runningVariance[ch] + Momentum * unbiased);
        }
        Span<float> y = output.Span;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int at = (i * c + ch) * s;
                float scale = gamma[ch] * invStd[ch], shift = beta[ch] - mean[ch] * scale;
                for (int k = 0; k < s; k++) y[at + k] = x[at + k] * scale + shift;
            }
    }

    private void SynchronisedBackward(Tensor input, Tensor outputGradient, Tensor inputGradient, IBatchStatisticsSync sync)
    {
        int c = Channels, n = input.Rows, s = InputShape.Size / c;
        if (_syncSums.Length < 2 * c + 1) _syncSums = new double[2 * c + 1];
        var sums = _syncSums.AsSpan(0, 2 * c);
        sums.Clear();
        ReadOnlySpan<float> x = input.Span, dy = outputGradient.Span;
        ReadOnlySpan<float> mean = _saveMean!.Span, invStd = _saveInvStd!.Span, gamma = _gamma!.Value.Span;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int at = (i * c + ch) * s;
                double sumDy = 0, sumDyXhat = 0;
                for (int k = 0; k < s; k++)
                {
                    double g = dy[at + k];
                    sumDy += g;
                    sumDyXhat += g * ((x[at + k] - mean[ch]) * invStd[ch]);
                }
                sums[ch] += sumDy;
                sums[c + ch] += sumDyXhat;
            }
        Span<float> dGamma = _gamma.Gradient.Span, dBeta = _beta!.Gradient.Span;
        for (int ch = 0; ch < c; ch++)
        {
            dBeta[ch] = (float)sums[ch];
            dGamma[ch] = (float)sums[c + ch];
        }
        double w = sync.ShardWeight;
        for (int i = 0; i < 2 * c; i++) sums[i] *= w;
        sync.Sum(sums);
        double m = _syncCount; // the global count, from the forward pass
        Span<float> dx = inputGradient.Span;
        for (int ch = 0; ch < c; ch++)
        {
            double meanDy = sums[ch] / (m * w), meanDyXhat = sums[c + ch] / (m * w);
            double scale = gamma[ch] * invStd[ch];
            for (int i = 0; i < n; i++)
            {
                int at = (i * c + ch) * s;
                for (int k = 0; k < s; k++)
                {
                    double xhat = (x[at + k] - mean[ch]) * invStd[ch];
                    dx[at + k] = (float)(scale * (dy[at + k] - meanDy - xhat * meanDyXhat));
                }
            }
        }
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
