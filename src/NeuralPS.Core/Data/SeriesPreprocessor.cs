using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>How a numeric series becomes a forecasting network's input and output, fitted on the training
/// part of the series and saved with the model (section SERI), so that prediction and evaluation take the
/// raw series (Import-Csv rows or numbers) and answer in the series' own units.
/// Each step has one value per property in <see cref="Properties"/> (the first is the forecast target); a
/// window of <see cref="Window"/> consecutive steps (the network's input, time-major) forecasts the target
/// <see cref="Horizon"/> steps after the window's last step, and, for a network with k outputs, the k − 1
/// steps after that. Every feature is standardised with the mean and standard deviation of the training
/// steps only; forecasts are mapped back with the target's.</summary>
public sealed class SeriesPreprocessor
{
    /// <summary>The most features per step (properties) a series model may have.</summary>
    public const int MaxFeatures = 4096;

    /// <summary>The furthest horizon accepted.</summary>
    public const int MaxHorizon = 1 << 20;

    public SeriesPreprocessor(IReadOnlyList<string> properties, int window, int horizon, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (properties.Count < 1 || properties.Count > MaxFeatures)
            throw new InvalidConfigurationException($"A series needs between 1 and {MaxFeatures} properties per step, not {properties.Count}.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in properties)
        {
            if (string.IsNullOrWhiteSpace(p)) throw new InvalidConfigurationException("A series property name is empty.");
            if (!seen.Add(p)) throw new InvalidConfigurationException($"Series property '{p}' is listed twice.");
        }
        if (window < 1) throw new InvalidConfigurationException($"The window must be at least 1 step, not {window}.");
        if (horizon < 1 || horizon > MaxHorizon) throw new InvalidConfigurationException($"The horizon must be in [1, {MaxHorizon:N0}] steps ahead, not {horizon}.");
        if (mean.Count != properties.Count || std.Count != properties.Count)
            throw new InvalidConfigurationException($"A series of {properties.Count} properties needs {properties.Count} means and standard deviations, not {mean.Count} and {std.Count}.");
        for (int f = 0; f < mean.Count; f++)
        {
            if (!double.IsFinite(mean[f]) || !(std[f] > 0) || !double.IsFinite(std[f]))
                throw new InvalidConfigurationException($"The scaling of series property '{properties[f]}' is invalid (mean {mean[f]}, standard deviation {std[f]}).");
        }
        Properties = properties.ToArray();
        Window = window;
        Horizon = horizon;
        Mean = mean.ToArray();
        StandardDeviation = std.ToArray();
    }

    /// <summary>The step's properties; the first is the target.</summary>
    public IReadOnlyList<string> Properties { get; }
    public int Features => Properties.Count;
    public int Window { get; }
    public int Horizon { get; }
    public IReadOnlyList<double> Mean { get; }
    public IReadOnlyList<double> StandardDeviation { get; }

    /// <summary>Fits the scaling on <paramref name="trainingSteps"/> (time-major, raw values).</summary>
    public static SeriesPreprocessor Fit(ReadOnlySpan<float> trainingSteps, IReadOnlyList<string> properties, int window, int horizon)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var scaler = SeriesScaler.Fit(trainingSteps, properties.Count);
        return new SeriesPreprocessor(properties, window, horizon, scaler.Mean, scaler.StandardDeviation);
    }

    /// <summary>Training and evaluation: every window whose <paramref name="outputs"/> targets lie inside
    /// the series, inputs and targets scaled (targets with the target's scaling).</summary>
    public Dataset LabelledWindows(ReadOnlySpan<float> rawSteps, int outputs, string name = "series") =>
        SeriesWindows.Create(Scaled(rawSteps), Features, Window, Horizon, outputs, 0, name);

    /// <summary>Prediction: every window of the series (the last ones forecast beyond its end), scaled, as
    /// (count, Window, Features); window i covers steps i .. i + Window − 1 (0-based).</summary>
    public Dataset InputWindows(ReadOnlySpan<float> rawSteps, string name = "series")
    {
        var scaled = Scaled(rawSteps);
        int steps = scaled.Length / Features;
        int count = steps - Window + 1;
        if (count < 1)
            throw new DataFormatException($"Series '{name}' has {steps} steps; a forecast needs a window of {Window} steps.");
        var x = new Tensor(new Shape(count, Window, Features));
        int span = Window * Features;
        for (int i = 0; i < count; i++) scaled.AsSpan(i * Features, span).CopyTo(x.Data.AsSpan(i * span, span));
        return new Dataset(x, null, null, null, name);
    }

    /// <summary>A scaled forecast of the target in the series' units.</summary>
    public double InverseTarget(double scaled) => scaled * StandardDeviation[0] + Mean[0];

    private float[] Scaled(ReadOnlySpan<float> rawSteps)
    {
        if (rawSteps.Length % Features != 0)
            throw new DataFormatException($"A series of {rawSteps.Length} values does not divide into steps of {Features} features.");
        var scaled = rawSteps.ToArray();
        for (int i = 0; i < scaled.Length; i++)
        {
            int f = i % Features;
            if (!float.IsFinite(scaled[i]))
                throw new DataFormatException($"The series has a non-finite value at step {i / Features + 1}, property '{Properties[f]}'.");
            scaled[i] = (float)((scaled[i] - Mean[f]) / StandardDeviation[f]);
        }
        return scaled;
    }
}
