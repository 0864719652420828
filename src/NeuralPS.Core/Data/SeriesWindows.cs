using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>A numeric series as training data for forecasting: sliding windows of <c>window</c> steps
/// (batch, window, features) as inputs and the target feature <c>horizon</c> steps after each window's
/// last step (and the <c>outputs</c> − 1 steps after that, for multi-step forecasts) as regression targets.
/// The series is time-major: values[t·features + f]. <see cref="Split"/> cuts it in time order — the model
/// never trains on a target later than one it is tested on — and fits the standardisation on the training
/// part only, so nothing about the test period leaks into the inputs.</summary>
public static class SeriesWindows
{
    /// <summary>Every window of the (already scaled) series whose targets lie inside it.</summary>
    public static Dataset Create(ReadOnlySpan<float> series, int features, int window, int horizon = 1, int outputs = 1, int targetFeature = 0, string name = "series")
    {
        int steps = Check(series, features, window, horizon, outputs, targetFeature);
        int count = WindowCount(steps, window, horizon, outputs);
        if (count < 1)
            throw new DataFormatException($"Series '{name}': {steps} steps give no window of {window} steps with {outputs} target(s) {horizon} step(s) ahead; it needs at least {window + horizon + outputs - 1} steps.");
        return Build(series, features, window, horizon, outputs, targetFeature, 0, count, name);
    }

    /// <summary>Splits the series at step ⌊trainFraction · steps⌋ in time order. The scaler is fitted on the
    /// steps before the split; training windows have every target before it, test windows every target at
    /// or after it (their inputs may reach back into the training steps, as a forecast at that time would).</summary>
    public static (Dataset Train, Dataset Test, SeriesScaler Scaler) Split(ReadOnlySpan<float> series, int features, int window, double trainFraction,
        int horizon = 1, int outputs = 1, int targetFeature = 0, string name = "series")
    {
        int steps = Check(series, features, window, horizon, outputs, targetFeature);
        if (!(trainFraction > 0 && trainFraction < 1))
            throw new InvalidConfigurationException($"Series '{name}': the training fraction must be between 0 and 1 but is {trainFraction}.");
        int splitStep = (int)Math.Floor(trainFraction * steps);
        var scaler = SeriesScaler.Fit(series[..(splitStep * features)], features);
        var scaled = series.ToArray();
        scaler.Transform(scaled);
        // Window i's first target is at step i + window − 1 + horizon, its last at that + outputs − 1.
        int lead = window - 1 + horizon;
        int trainCount = splitStep - lead - (outputs - 1);
        int total = WindowCount(steps, window, horizon, outputs);
        int testFirst = Math.Max(0, splitStep - lead);
        if (trainCount < 1 || total - testFirst < 1)
            throw new DataFormatException($"Series '{name}': splitting {steps} steps at step {splitStep} leaves no training or no test window of {window} steps.");
        var train = Build(scaled, features, window, horizon, outputs, targetFeature, 0, trainCount, name + " (train)");
        var test = Build(scaled, features, window, horizon, outputs, targetFeature, testFirst, total - testFirst, name + " (test)");
        return (train, test, scaler);
    }

    private static int WindowCount(int steps, int window, int horizon, int outputs) => steps - (window - 1 + horizon) - (outputs - 1);

    private static int Check(ReadOnlySpan<float> series, int features, int window, int horizon, int outputs, int targetFeature)
    {
        if (features < 1) throw new InvalidConfigurationException($"A series needs at least one feature per step, not {features}.");
        if (series.Length % features != 0)
            throw new DataFormatException($"A series of {series.Length} values does not divide into steps of {features} features.");
        if (window < 1) throw new InvalidConfigurationException($"The window must be at least 1 step, not {window}.");
        if (horizon < 1) throw new InvalidConfigurationException($"The horizon must be at least 1 step ahead, not {horizon}.");
        if (outputs < 1) throw new InvalidConfigurationException($"A forecast needs at least one output step, not {outputs}.");
        if (targetFeature < 0 || targetFeature >= features)
            throw new InvalidConfigurationException($"The target feature must be in [0, {features - 1}], not {targetFeature}.");
        for (int i = 0; i < series.Length; i++)
            if (!float.IsFinite(series[i]))
                throw new DataFormatException($"The series has a non-finite value at step {i / features + 1}, feature {i % features + 1}.");
        return series.Length / features;
    }

    private static Dataset Build(ReadOnlySpan<float> series, int features, int window, int horizon, int outputs, int targetFeature, int first, int count, string name)
    {
        var x = new Tensor(new Shape(count, window, features));
        var y = new Tensor(new Shape(count, outputs));
        int span = window * features;
        for (int i = 0; i < count; i++)
        {
            int start = first + i;
            series.Slice(start * features, span).CopyTo(x.Data.AsSpan(i * span, span));
            for (int k = 0; k < outputs; k++)
                y[i * outputs + k] = series[(start + window - 1 + horizon + k) * features + targetFeature];
        }
        return new Dataset(x, null, y, null, name);
    }
}
