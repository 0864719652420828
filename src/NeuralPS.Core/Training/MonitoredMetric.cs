namespace NeuralPS.Core.Training;

/// <summary>A history metric watched by early stopping or reduce-on-plateau: "ValidationLoss", "Loss",
/// "Accuracy", "ValidationAccuracy", "MAE", "ValidationMAE", "Metric", "ValidationMetric", "LearningRate",
/// or "Auto" (ValidationLoss when there is validation data, else Loss). Names are case-insensitive.
/// Accuracy-like metrics (the name contains "Accuracy") improve upwards, everything else downwards.</summary>
public sealed class MonitoredMetric
{
    public const string Auto = "Auto";

    public static IReadOnlyList<string> KnownNames { get; } = new[]
    {
        "ValidationLoss", "Loss", "Accuracy", "ValidationAccuracy", "MAE", "ValidationMAE", "Metric", "ValidationMetric", "LearningRate",
    };

    public MonitoredMetric(string? name)
    {
        string n = string.IsNullOrWhiteSpace(name) ? Auto : name.Trim();
        if (!n.Equals(Auto, StringComparison.OrdinalIgnoreCase) && !KnownNames.Any(k => k.Equals(n, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidConfigurationException($"Unknown metric to monitor '{name}'. Valid: {Auto}, {string.Join(", ", KnownNames)}.");
        Name = KnownNames.FirstOrDefault(k => k.Equals(n, StringComparison.OrdinalIgnoreCase)) ?? Auto;
    }

    /// <summary>The metric's name ("Auto" until <see cref="Resolve"/> runs).</summary>
    public string Name { get; private set; }

    public bool HigherIsBetter => Name.Contains("Accuracy", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fixes "Auto" for a run with or without validation data and checks that a validation metric
    /// has validation data to come from.</summary>
    public void Resolve(bool hasValidation, string metricName)
    {
        if (Name == Auto) Name = hasValidation ? "ValidationLoss" : "Loss";
        if (!hasValidation && Name.StartsWith("Validation", StringComparison.Ordinal))
            throw new InvalidConfigurationException($"Monitoring '{Name}' needs validation data; give -ValidationSplit or -ValidationData, or monitor Loss.");
        bool accuracy = metricName.Equals("Accuracy", StringComparison.OrdinalIgnoreCase);
        if ((Name is "Accuracy" or "ValidationAccuracy" && !accuracy) || (Name is "MAE" or "ValidationMAE" && metricName != "MAE"))
            throw new InvalidConfigurationException($"Cannot monitor '{Name}': this run's metric is {metricName}.");
    }

    /// <summary>The metric's value in one epoch's result (null when the epoch has no such value).</summary>
    public double? ValueOf(EpochResult epoch) => Name switch
    {
        "Loss" => epoch.Loss,
        "ValidationLoss" => epoch.ValidationLoss,
        "Accuracy" or "MAE" or "Metric" => epoch.Metric,
        "ValidationAccuracy" or "ValidationMAE" or "ValidationMetric" => epoch.ValidationMetric,
        "LearningRate" => epoch.LearningRate,
        _ => null,
    };

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> by more than <paramref name="minDelta"/>.</summary>
    public bool Improves(double value, double best, double minDelta) =>
        HigherIsBetter ? value > best + minDelta : value < best - minDelta;

    public override string ToString() => Name;
}
