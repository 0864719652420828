using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Measure-Model without PowerShell: labelled records (read with the network's saved
/// encoding; a bad record comes back as a <see cref="RecordError"/> and is skipped) or one dataset,
/// then the engine's <see cref="ModelEvaluator"/>: classification → accuracy, loss, per-class
/// precision/recall/F1 and the confusion matrix; regression → MAE, RMSE, R².</summary>
internal sealed class EvaluationCommand : IRecordSink
{
    private readonly Network _network;
    private readonly string? _labelProperty;
    private readonly int _batchSize;
    private readonly string _backend;
    private RecordConverter? _converter;
    private Dataset? _dataset;
    private long _records;

    public EvaluationCommand(Network network, string? labelProperty = null, int batchSize = ModelEvaluator.DefaultBatchSize, string backend = "auto")
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        if (network.Layers.Count == 0) throw new InvalidConfigurationException($"Network '{network.Name}' has no layers; build and train it first.");
        if (batchSize < 1) throw new InvalidConfigurationException($"-BatchSize must be at least 1 but is {batchSize}.");
        _labelProperty = labelProperty;
        _batchSize = batchSize;
        _backend = backend;
    }

    public RecordError? AddRecord(RecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_dataset is not null) throw new InvalidConfigurationException("Measure-Model got a dataset and then records; give one dataset or records, not both.");
        _records++;
        // A next-token model is measured on raw text: its labels (the next token at every step) come from the text.
        _converter ??= NextTokenLabels.IsNextTokenModel(_network) && _labelProperty is null
            ? RecordConverter.ForPrediction(_network)
            : RecordConverter.ForEvaluation(_network, _labelProperty);
        return _converter.TryAdd(record, out var error, $"Record {_records}") ? null : error;
    }

    public void AddDataset(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (_converter is not null) throw new InvalidConfigurationException("Measure-Model got records and then a dataset; give one dataset or records, not both.");
        if (_dataset is not null) throw new InvalidConfigurationException($"Measure-Model got a second dataset ('{dataset.Name}' after '{_dataset.Name}'); measure one dataset per call.");
        _dataset = dataset;
    }

    /// <summary>Measures; <paramref name="verbose"/> hears when flat features are laid out in the input shape.</summary>
    public EvaluationReport Run(Action<string>? verbose = null)
    {
        Dataset data = _dataset
            ?? (_converter is null ? null : _converter.HasLabels ? _converter.ToDataset() : NextTokenLabels.Build(_converter.ToDataset(), NextTokenLabels.VocabularyOf(_network.Preprocessor)!))
            ?? throw new DataFormatException("Measure-Model got no input: pipe labelled records (Import-Csv test.csv | Measure-Model -Network $n) or a dataset.");
        data = InputLayout.Fit(data, _network, verbose);
        return ModelEvaluator.Evaluate(_network, data, BackendRegistry.Select(_backend), _batchSize);
    }

    /// <summary>Per-class views added to a classification report for PowerShell users:
    /// Precision, Recall and F1 by class name, and PerClass (the rows of Classes).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> ExtraProperties(EvaluationReport report)
    {
        if (report is not ClassificationReport c) return Array.Empty<KeyValuePair<string, object?>>();
        var precision = new System.Collections.Specialized.OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        var recall = new System.Collections.Specialized.OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        var f1 = new System.Collections.Specialized.OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        foreach (var m in c.Classes)
        {
            precision[m.Class] = m.Precision;
            recall[m.Class] = m.Recall;
            f1[m.Class] = m.F1;
        }
        return new KeyValuePair<string, object?>[]
        {
            new("Precision", precision),
            new("Recall", recall),
            new("F1", f1),
            new("PerClass", c.Classes),
        };
    }
}
