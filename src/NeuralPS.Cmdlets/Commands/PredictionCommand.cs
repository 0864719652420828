using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Invoke-Prediction without PowerShell: records are buffered up to the batch size and
/// predicted together (the engine's <see cref="Predictor"/> encodes them with the network's saved
/// feature columns); each comes back with its prediction or the error that kept it from being read.
/// Output streams batch by batch — nothing waits for the whole input.</summary>
internal sealed class PredictionCommand
{
    private readonly Predictor _predictor;
    private readonly List<RecordView> _pending = new();
    private readonly bool _includeProbabilities;

    public PredictionCommand(Network network, int batchSize = ModelEvaluator.DefaultBatchSize, bool includeProbabilities = false, string backend = "auto")
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batchSize < 1) throw new InvalidConfigurationException($"-BatchSize must be at least 1 but is {batchSize}.");
        _predictor = new Predictor(network, BackendRegistry.Select(backend), batchSize);
        _includeProbabilities = includeProbabilities;
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>Buffers a record; returns the outcomes of a full batch (else nothing yet).</summary>
    public IReadOnlyList<RecordOutcome> Add(RecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _pending.Add(record);
        return _pending.Count >= BatchSize ? Flush() : Array.Empty<RecordOutcome>();
    }

    /// <summary>Predicts whatever is buffered.</summary>
    public IReadOnlyList<RecordOutcome> Flush()
    {
        if (_pending.Count == 0) return Array.Empty<RecordOutcome>();
        var results = _predictor.PredictRecords(_pending);
        var outcomes = new RecordOutcome[_pending.Count];
        for (int i = 0; i < _pending.Count; i++)
        {
            var r = results[i];
            outcomes[i] = new RecordOutcome(_pending[i], r.Prediction is null ? null : Columns(r.Prediction), r.Error);
        }
        _pending.Clear();
        return outcomes;
    }

    /// <summary>One prediction per sample of a dataset (features already preprocessed); flat samples of the
    /// input's size are laid out in the input shape (<paramref name="verbose"/> hears it).</summary>
    public IEnumerable<SamplePrediction> PredictDataset(Dataset dataset, Action<string>? verbose = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        dataset = InputLayout.Fit(dataset, _predictor.Network, verbose);
        var predictions = _predictor.Predict(dataset);
        for (int i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            string? actualLabel = null;
            object? actualValue = null;
            if (dataset.ClassLabels is { } labels && dataset.LabelSteps == 1) // (a per-step dataset's labels are not one per sample)
            {
                int c = labels[i];
                actualLabel = dataset.ClassNames is { } names && c < names.Count ? names[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (dataset.Targets is { } targets)
            {
                int w = targets.Columns;
                actualValue = w == 1 ? targets.Data[i] : targets.Data.AsSpan(i * w, w).ToArray();
            }
            yield return p.IsClassification
                ? new SamplePrediction(i, p.Label, p.Probability, null, actualLabel, actualValue, _includeProbabilities ? ProbabilityMap(p) : null)
                : new SamplePrediction(i, null, null, Value(p), actualLabel, actualValue, null);
        }
    }

    /// <summary>The properties added to a record: PredictedLabel and Probability (classification) or
    /// PredictedValue (regression: a number, or an array for several outputs); with
    /// -IncludeProbabilities also Probabilities (class name → probability).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Columns(Prediction p)
    {
        var columns = new List<KeyValuePair<string, object?>>(3);
        if (p.StepLabels is { } steps)
        {
            // A per-step classifier: one label (and its probability) per step of the input.
            columns.Add(new("PredictedLabel", steps.ToArray()));
            columns.Add(new("Probability", p.StepProbabilities!.ToArray()));
            if (_includeProbabilities) columns.Add(new("Probabilities", ProbabilityMap(p)));
        }
        else if (p.IsClassification)
        {
            columns.Add(new("PredictedLabel", p.Label));
            columns.Add(new("Probability", p.Probability));
            if (_includeProbabilities) columns.Add(new("Probabilities", ProbabilityMap(p)));
        }
        else
        {
            columns.Add(new("PredictedValue", Value(p)));
        }
        return columns;
    }

    private static object? Value(Prediction p) => p.Values is { Count: 1 } ? (double)p.Values[0] : p.Values?.Select(v => (double)v).ToArray();

    private IReadOnlyDictionary<string, double> ProbabilityMap(Prediction p)
    {
        var map = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        var names = _predictor.ClassNames;
        for (int k = 0; k < names.Count && p.Probabilities is not null && k < p.Probabilities.Count; k++) map[names[k]] = p.Probabilities[k];
        return map;
    }
}

/// <summary>A record and what Invoke-Prediction adds to it, or why it could not be read.</summary>
internal sealed record RecordOutcome(RecordView Record, IReadOnlyList<KeyValuePair<string, object?>>? Columns, RecordError? Error);
