using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Stops training at the first batch whose loss, gradients or weights went NaN or ±Inf (a NaN feature,
/// an Inf target, a learning rate of 1e6), leaves the network (and the optimizer) at the last finite state,
/// and says where it happened.
///
/// Two checks per batch, each one read pass (FiniteCheck.MaxMagnitude, which returns NaN or ∞ when any
/// element is, and the largest magnitude otherwise):
/// 1. <see cref="BeforeStep"/>, between backward and the optimizer step: the loss and every gradient. A
///    non-finite one skips the step, so weights and optimizer state are still the last finite ones: no copy
///    is needed for the common causes (bad records, overflowing activations).
/// 2. <see cref="AfterBatch"/>: every weight after the step. A finite step of finite gradients can only
///    overflow float32 when weights, learning rate × gradient or learning rate × (1 + weight decay) are already
///    astronomically large (above <see cref="RiskThreshold"/>, 1e19 ≈ √float.MaxValue); only then is a copy of
///    the weights and the optimizer state taken before the step, to restore if it overflows.
/// BatchNorm's running statistics (buffers, updated by the forward pass) are small and copied every batch.
/// Measured in-process on the MLP 784-256-10 at batch 64 (Adam; 200 steps, then 200 guard calls, five rounds,
/// on the shared 2-core machine under load): guard 0.04–0.12 ms against a step of 0.75–1.4 ms (5–13 %; the first
/// version, which copied weights and optimizer state every batch, cost 17–49 %). The checks scale with the
/// weights, the step with batch × weights, so the share falls with larger batches and convolutions. The diagnosis
/// (which records, which layer) runs only after a failure.
///
/// Trainer calls <see cref="Capture"/> when a run starts, <see cref="BeforeStep"/> between backward and
/// UpdateParameters (accumulation, clipping, schedule, step: all skipped when it says no), and
/// <see cref="AfterBatch"/> once per batch, before any checkpoint is written; nothing else in the trainer knows
/// about it.</summary>
internal sealed class NonFiniteGuard
{
    /// <summary>Magnitudes above which a step could overflow float32 (√float.MaxValue ≈ 1.8e19).</summary>
    public const double RiskThreshold = 1e19;

    private readonly Network _network;
    private readonly Optimizer _optimizer;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private string[] _parameterOwners = Array.Empty<string>();
    private Tensor[] _buffers = Array.Empty<Tensor>();
    private float[][] _bufferSnapshot = Array.Empty<float[]>();
    private float[][]? _riskSnapshot; // weights then optimizer state, taken before a risky step
    private long _optimizerSteps;
    private double _maxWeight;
    private bool _stepSkipped, _snapshotTaken;
    private int _batchesSinceWeightCheck;
    private const int WeightCheckInterval = 16;
    private double _loss;

    public NonFiniteGuard(Network network, Optimizer optimizer)
    {
        _network = network;
        _optimizer = optimizer;
        Capture();
    }

    /// <summary>Takes the network's buffers as the last finite state and the weights' magnitude for the risk test.</summary>
    public void Capture()
    {
        var parameters = new List<Parameter>();
        var owners = new List<string>();
        var buffers = new List<Tensor>();
        foreach (var layer in _network.Layers)
        {
            // Frozen parameters never change and get no gradients: nothing to guard.
            foreach (var p in layer.TrainableParameters) { parameters.Add(p); owners.Add($"{layer.Name}.{p.Name}"); }
            foreach (var (_, value) in layer.Buffers) buffers.Add(value);
        }
        _parameters = parameters.ToArray();
        _parameterOwners = owners.ToArray();
        _buffers = buffers.ToArray();
        if (_bufferSnapshot.Length != _buffers.Length) _bufferSnapshot = new float[_buffers.Length][];
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_bufferSnapshot[i] is null || _bufferSnapshot[i].Length != _buffers[i].Size) _bufferSnapshot[i] = new float[_buffers[i].Size];
            _buffers[i].Span.CopyTo(_bufferSnapshot[i]);
        }
        _maxWeight = 0;
        foreach (var p in _parameters) _maxWeight = Math.Max(_maxWeight, FiniteCheck.MaxMagnitude(p.Value.Span));
        _riskSnapshot = null;
        _stepSkipped = _snapshotTaken = false;
    }

    /// <summary>After backward, before the optimizer step: true when the step may run. False (the step is to be
    /// skipped) when the loss or a gradient is not finite; <see cref="AfterBatch"/> then reports it.</summary>
    public bool BeforeStep(double loss)
    {
        _loss = loss;
        _snapshotTaken = false;
        double maxGradient = 0;
        bool finite = double.IsFinite(loss);
        for (int i = 0; i < _parameters.Length && finite; i++)
        {
            double g = FiniteCheck.MaxMagnitude(_parameters[i].Gradient.Span);
            if (!double.IsFinite(g)) finite = false;
            maxGradient = Math.Max(maxGradient, g);
        }
        _stepSkipped = !finite;
        if (!finite) return false;
        double lr = _optimizer.LearningRate;
        if (_maxWeight > RiskThreshold || lr * maxGradient > RiskThreshold || lr * (1 + _optimizer.WeightDecay) > RiskThreshold)
        {
            // Rare: values large enough that this step could overflow. Keep what to restore.
            var state = _optimizer.State;
            _riskSnapshot ??= new float[_parameters.Length + state.Count][];
            if (_riskSnapshot.Length != _parameters.Length + state.Count) _riskSnapshot = new float[_parameters.Length + state.Count][];
            for (int i = 0; i < _parameters.Length; i++) _riskSnapshot[i] = _parameters[i].Value.ToArray();
            for (int i = 0; i < state.Count; i++) _riskSnapshot[_parameters.Length + i] = state[i].Value.ToArray();
            _optimizerSteps = _optimizer.StepCount;
            _snapshotTaken = true;
        }
        return true;
    }

    /// <summary>After batch <paramref name="batch"/> (0-based) of epoch <paramref name="epoch"/> (0-based): keeps
    /// the result as the last finite state, or restores the previous one and throws
    /// <see cref="NonFiniteTrainingException"/>.</summary>
    public void AfterBatch(int epoch, int batch, Dataset data, ReadOnlySpan<int> samples, Tensor features, IBackend backend)
    {
        string? badWeight = null;
        double maxWeight = _maxWeight;
        // Below the risk threshold a step moves a weight by at most ~1e25 (learning rate × gradient ≤ 1e19, times
        // at most 1e6 for momentum 0.999999), so 16 such steps cannot take a weight from 1e19 to float32's 3.4e38:
        // weights are re-measured every 16th batch, and after every risky step.
        bool measure = _snapshotTaken || ++_batchesSinceWeightCheck >= WeightCheckInterval;
        if (!_stepSkipped && measure)
        {
            _batchesSinceWeightCheck = 0;
            maxWeight = 0;
            for (int i = 0; i < _parameters.Length && badWeight is null; i++)
            {
                double w = FiniteCheck.MaxMagnitude(_parameters[i].Value.Span);
                if (!double.IsFinite(w)) badWeight = _parameterOwners[i];
                maxWeight = Math.Max(maxWeight, w);
            }
        }
        int badBuffer = -1;
        for (int i = 0; i < _buffers.Length && badBuffer < 0; i++) if (!FiniteCheck.AllFinite(_buffers[i].Span)) badBuffer = i;
        if (!_stepSkipped && badWeight is null && badBuffer < 0)
        {
            for (int i = 0; i < _buffers.Length; i++) _buffers[i].Span.CopyTo(_bufferSnapshot[i]);
            _maxWeight = maxWeight;
            return;
        }

        string? gradientLayer = FirstLayerWithNonFiniteGradient(); // the failing batch's gradients are still there
        for (int i = 0; i < _buffers.Length; i++) _bufferSnapshot[i].CopyTo(_buffers[i].Span);
        bool restored = true;
        if (badWeight is not null)
        {
            if (_snapshotTaken && _riskSnapshot is not null)
            {
                var state = _optimizer.State;
                for (int i = 0; i < _parameters.Length; i++) _riskSnapshot[i].CopyTo(_parameters[i].Value.Span);
                for (int i = 0; i < state.Count; i++) _riskSnapshot[_parameters.Length + i].CopyTo(state[i].Value.Span);
                _optimizer.RestoreState(_optimizerSteps, state);
            }
            else
            {
                restored = false; // cannot happen below the risk threshold (see the class summary); said if it does
            }
        }
        throw Diagnose(_loss, epoch, batch, data, samples, features, backend, gradientLayer, badWeight, restored);
    }

    // Backward runs from the last layer to the first, so the first layer whose gradient went non-finite is the last one that has any.
    private string? FirstLayerWithNonFiniteGradient()
    {
        var layers = _network.Layers;
        for (int l = layers.Count - 1; l >= 0; l--)
            foreach (var p in layers[l].TrainableParameters)
                if (!FiniteCheck.AllFinite(p.Gradient.Span)) return layers[l].Name;
        return null;
    }

    private NonFiniteTrainingException Diagnose(double loss, int epoch, int batch, Dataset data, ReadOnlySpan<int> samples,
        Tensor features, IBackend backend, string? gradientLayer, string? badTensor, bool restored)
    {
        // Records: those whose features or targets are not finite; if none, the whole batch.
        var records = new List<int>();
        int width = data.Features.Columns, targetWidth = data.Targets?.Columns ?? 0;
        foreach (int s in samples)
        {
            bool badRecord = !FiniteCheck.AllFinite(data.Features.Data.AsSpan(s * width, width))
                || (data.Targets is not null && !FiniteCheck.AllFinite(data.Targets.Data.AsSpan(s * targetWidth, targetWidth)));
            if (badRecord) records.Add(data.SourceIndexOf(s));
        }
        bool inputsAreBad = records.Count > 0;
        if (!inputsAreBad) foreach (int s in samples) records.Add(data.SourceIndexOf(s));

        // The first layer whose output is not finite, re-running the batch (inference mode: no dropout, no
        // running-statistics update) on the restored weights.
        string? outputLayer = null;
        var context = new LayerContext(backend, training: false);
        Tensor x = features;
        try
        {
            foreach (var layer in _network.Layers)
            {
                x = layer.Forward(x, context);
                if (!FiniteCheck.AllFinite(x.Span)) { outputLayer = layer.Name; break; }
            }
        }
        catch (NeuralException)
        {
            // The diagnosis is best effort; the failure itself is already certain.
        }

        string where = $"Training stopped in epoch {epoch + 1}, batch {batch + 1}";
        string recordText = (inputsAreBad ? "records with non-finite values (indexes in the input): " : "records of the batch (indexes in the input): ")
            + string.Join(", ", records.Take(20)) + (records.Count > 20 ? $", … ({records.Count} in all)" : "");
        string cause;
        string? layerName;
        if (outputLayer is not null)
        {
            layerName = outputLayer;
            cause = $"the output of layer '{outputLayer}' is not finite";
        }
        else if (gradientLayer is not null)
        {
            layerName = gradientLayer;
            cause = $"the gradient of layer '{gradientLayer}' is not finite" + (double.IsFinite(loss) ? "" : $" (loss {loss})");
        }
        else if (badTensor is not null)
        {
            layerName = badTensor[..badTensor.IndexOf('.')];
            cause = $"the optimizer step made '{badTensor}' non-finite (the learning rate may be too large)";
        }
        else
        {
            layerName = null;
            cause = $"the loss is {loss}";
        }
        string fix = inputsAreBad ? "Remove or fix those records." : "Lower the learning rate, or scale the inputs.";
        string kept = restored ? "The network keeps its weights from before this batch." : "The weights could not be restored: re-create or reload the network.";
        return new NonFiniteTrainingException(
            $"{where}: {cause}; {recordText}. {kept} {fix}",
            epoch + 1, batch + 1, records, layerName);
    }
}
