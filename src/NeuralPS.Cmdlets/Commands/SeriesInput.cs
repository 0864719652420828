using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>A numeric series from the pipeline, one step per input in arrival order: Import-Csv rows (the
/// values of the series properties) or bare numbers (a one-property series; each number becomes a record
/// with the property <see cref="NumberProperty"/>). A step that is not a number is reported and skipped,
/// so the series closes over it (say so in the error).</summary>
internal sealed class SeriesInput
{
    /// <summary>The property a bare number on the pipeline is given (NeuralCmdlet.ExpandInput).</summary>
    public const string NumberProperty = "Value";

    private readonly List<float> _values = new();
    private readonly List<object> _sources = new();
    private readonly List<double> _targets = new();  // the first property's values as given (not rounded to float32)
    private string[]? _properties;
    private long _seen;

    /// <param name="properties">The step's properties (the first is the target); null = the first record's
    /// only property.</param>
    public SeriesInput(IReadOnlyList<string>? properties)
    {
        if (properties is { Count: 0 }) throw new InvalidConfigurationException("-SeriesProperty needs at least one property name.");
        _properties = properties?.ToArray();
    }

    public IReadOnlyList<string>? Properties => _properties;
    public int Steps => _sources.Count;
    public ReadOnlySpan<float> Values => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values);

    /// <summary>The target (first property) of each accepted step, as given.</summary>
    public IReadOnlyList<double> Targets => _targets;

    /// <summary>What the user piped in for each accepted step (0-based step → input object).</summary>
    public IReadOnlyList<object> Sources => _sources;

    public RecordError? Add(RecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        long number = ++_seen;
        if (_properties is null)
        {
            var keys = record.Keys.ToArray();
            if (keys.Length != 1)
                throw new InvalidConfigurationException($"Name the series with -SeriesProperty: record 1 has {keys.Length} properties ({string.Join(", ", keys)}), and a series reads one value per step from each of the properties named.");
            _properties = keys;
        }
        Span<float> step = _properties.Length <= 256 ? stackalloc float[_properties.Length] : new float[_properties.Length];
        double target = 0;
        for (int f = 0; f < _properties.Length; f++)
        {
            string name = _properties[f];
            if (!record.TryGetValue(name, out object? value) && !(_properties.Length == 1 && record.Count == 1 && record.TryGetValue(NumberProperty, out value)))
                return new RecordError(number, name, null, $"Step {number} has no property '{name}' (it has: {string.Join(", ", record.Keys)}); it is left out of the series.");
            if (RecordValue.IsMissing(value) || !RecordValue.TryGetNumber(value, out double x) || !RecordValue.FitsFloat32(x) || !double.IsFinite(x))
                return new RecordError(number, name, value, $"Step {number}: property '{name}' = {RecordValue.Describe(value)} is not a finite number; it is left out of the series.");
            step[f] = (float)x;
            if (f == 0) target = x;
        }
        _targets.Add(target);
        foreach (float v in step) _values.Add(v);
        _sources.Add(record.Source);
        return null;
    }
}

/// <summary>Invoke-Prediction and Measure-Model for a forecasting network (one with a saved series): the
/// whole series is collected, then every window is forecast (prediction: also the windows whose targets lie
/// beyond the series, i.e. the future) or scored against the steps that follow it (evaluation), in the
/// series' own units.</summary>
internal sealed class SeriesForecastCommand : IRecordSink
{
    private readonly Network _network;
    private readonly SeriesPreprocessor _series;
    private readonly SeriesInput _input;
    private readonly string _backend;

    public SeriesForecastCommand(Network network, string backend = "auto")
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _series = network.Series ?? throw new InvalidConfigurationException($"Network '{network.Name}' was not trained on a series.");
        _input = new SeriesInput(_series.Properties);
        _backend = backend;
    }

    public int Outputs => _network.OutputShape.Size;

    public RecordError? AddRecord(RecordView record) => _input.Add(record);

    public void AddDataset(Dataset dataset) =>
        throw new InvalidConfigurationException($"Network '{_network.Name}' forecasts a series: pipe its steps (Import-Csv rows with {string.Join(", ", _series.Properties)}, or numbers), not dataset '{dataset.Name}'.");

    /// <summary>One forecast per window, in the series' units. Step is the 1-based step the (first) forecast
    /// is for; Actual is that step's value when the series has it.</summary>
    public IEnumerable<SeriesForecast> Forecasts()
    {
        var windows = _series.InputWindows(_input.Values, "series").WithSampleShape(_network.InputShape);
        var predictor = new Core.Metrics.Predictor(_network, Core.Backends.BackendRegistry.Select(_backend));
        var raw = predictor.PredictOutputs(windows.Features);
        int outputs = Outputs;
        for (int i = 0; i < windows.Count; i++)
        {
            var forecast = new double[outputs];
            for (int k = 0; k < outputs; k++) forecast[k] = _series.InverseTarget(raw[i * outputs + k]);
            int step = i + _series.Window - 1 + _series.Horizon; // 0-based step of the first target
            double? actual = step < _input.Steps ? _input.Targets[step] : null;
            yield return new SeriesForecast(step + 1, outputs == 1 ? forecast[0] : forecast, actual);
        }
    }

    /// <summary>MAE, RMSE and R² of the forecasts over the windows whose targets the series holds.</summary>
    public Core.Metrics.RegressionReport Measure()
    {
        var data = _series.LabelledWindows(_input.Values, Outputs, "series").WithSampleShape(_network.InputShape);
        var predictor = new Core.Metrics.Predictor(_network, Core.Backends.BackendRegistry.Select(_backend));
        var raw = predictor.PredictOutputs(data.Features);
        var predicted = new float[raw.Length];
        var actual = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            predicted[i] = (float)_series.InverseTarget(raw[i]);
            actual[i] = (float)_series.InverseTarget(data.Targets!.Data[i]);
        }
        return Core.Metrics.RegressionReport.Compute(actual, predicted, Outputs);
    }
}

/// <summary>One forecast of a series: the 1-based step it is for, the forecast (a number, or one per output
/// step for a multi-step network), and the series' value at that step when known.</summary>
public sealed record SeriesForecast(int Step, object Forecast, double? Actual);
