using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Stops training at the first batch whose loss, weights or buffers went NaN or ±Inf (a NaN feature,
/// an Inf target, a learning rate of 1e6), puts the network back to its last finite weights, and says where
/// it happened.
///
/// Cost per batch: one finiteness pass over the parameters, buffers and optimizer state (<see cref="FiniteCheck"/>,
/// x − x accumulated in vectors) and one copy of them into the snapshot they are restored from: with Adam six
/// passes over the weights' size, against the forward and backward passes' ≥ 2·batch multiply-adds per weight,
/// so a few percent of a step at batch 64 and less for larger batches. Gradients need no pass of their own: a non-finite gradient makes the updated weight
/// non-finite (SGD, Adam and RMSprop all add a multiple of it), and a non-finite loss is caught directly.
/// The diagnosis (which records, which layer) runs only after a failure.
///
/// Trainer calls <see cref="Capture"/> when a run starts (the network may have been changed between runs) and
/// <see cref="AfterBatch"/> once per batch after the optimizer step; nothing else in the trainer knows about it.</summary>
internal sealed class NonFiniteGuard
{
    private readonly Network _network;
    private readonly Optimizer _optimizer;
    private long _optimizerSteps;
    private Tensor[] _tensors = Array.Empty<Tensor>();
    private string[] _owners = Array.Empty<string>();
    private float[][] _snapshot = Array.Empty<float[]>();

    public NonFiniteGuard(Network network, Optimizer optimizer)
    {
        _network = network;
        _optimizer = optimizer;
    }

    /// <summary>Takes the network's current parameters and buffers, and the optimizer's state (Adam's moments,
    /// momentum, its step count), as the last finite state: after a failure the trainer can go on from there.</summary>
    public void Capture()
    {
        var tensors = new List<Tensor>();
        var owners = new List<string>();
        foreach (var layer in _network.Layers)
        {
            foreach (var p in layer.Parameters) { tensors.Add(p.Value); owners.Add($"{layer.Name}.{p.Name}"); }
            foreach (var (name, value) in layer.Buffers) { tensors.Add(value); owners.Add($"{layer.Name}.{name}"); }
        }
        foreach (var (name, value) in _optimizer.State) { tensors.Add(value); owners.Add(name); }
        _optimizerSteps = _optimizer.StepCount;
        _tensors = tensors.ToArray();
        _owners = owners.ToArray();
        if (_snapshot.Length != _tensors.Length) _snapshot = new float[_tensors.Length][];
        for (int i = 0; i < _tensors.Length; i++)
        {
            if (_snapshot[i] is null || _snapshot[i].Length != _tensors[i].Size) _snapshot[i] = new float[_tensors[i].Size];
            _tensors[i].Span.CopyTo(_snapshot[i]);
        }
    }

    /// <summary>After the optimizer step of batch <paramref name="batch"/> (0-based) of epoch <paramref name="epoch"/>
    /// (0-based): keeps the new weights as the last finite state, or restores the previous one and throws
    /// <see cref="NonFiniteTrainingException"/>.</summary>
    public void AfterBatch(double loss, int epoch, int batch, Dataset data, ReadOnlySpan<int> samples, Tensor features, IBackend backend)
    {
        int bad = -1;
        for (int i = 0; i < _tensors.Length && bad < 0; i++) if (!FiniteCheck.AllFinite(_tensors[i].Span)) bad = i;
        if (bad < 0 && double.IsFinite(loss))
        {
            for (int i = 0; i < _tensors.Length; i++) _tensors[i].Span.CopyTo(_snapshot[i]);
            _optimizerSteps = _optimizer.StepCount;
            return;
        }
        string? gradientLayer = FirstLayerWithNonFiniteGradient(); // before the restore: gradients are the failing batch's
        for (int i = 0; i < _tensors.Length; i++) _snapshot[i].CopyTo(_tensors[i].Span);
        _optimizer.RestoreState(_optimizerSteps, _optimizer.State); // the state tensors are restored above; this resets the step count
        throw Diagnose(loss, epoch, batch, data, samples, features, backend, gradientLayer, bad >= 0 ? _owners[bad] : null);
    }

    // Backward runs from the last layer to the first, so the first layer whose gradient went non-finite is the last one that has any.
    private string? FirstLayerWithNonFiniteGradient()
    {
        var layers = _network.Layers;
        for (int l = layers.Count - 1; l >= 0; l--)
            foreach (var p in layers[l].Parameters)
                if (!FiniteCheck.AllFinite(p.Gradient.Span)) return layers[l].Name;
        return null;
    }

    private NonFiniteTrainingException Diagnose(double loss, int epoch, int batch, Dataset data, ReadOnlySpan<int> samples,
        Tensor features, IBackend backend, string? gradientLayer, string? badTensor)
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
        return new NonFiniteTrainingException(
            $"{where}: {cause}; {recordText}. The network keeps its weights from before this batch. {fix}",
            epoch + 1, batch + 1, records, layerName);
    }
}
