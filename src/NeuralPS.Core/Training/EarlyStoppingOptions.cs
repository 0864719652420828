using System.Globalization;

namespace NeuralPS.Core.Training;

/// <summary>Early stopping as Keras' EarlyStopping callback: stop when <see cref="Monitor"/> has not
/// improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs in a row. With
/// <see cref="RestoreBestWeights"/> (the default) the network ends with the best epoch's weights, whether
/// training stopped early or ran all its epochs.</summary>
public sealed record EarlyStoppingOptions
{
    public int Patience { get; init; } = 5;
    public double MinDelta { get; init; }
    public string Monitor { get; init; } = MonitoredMetric.Auto;
    public bool RestoreBestWeights { get; init; } = true;

    internal void Validate()
    {
        if (Patience < 0) throw new InvalidConfigurationException($"The early-stopping patience must be 0 or more epochs but is {Patience}.");
        if (!(MinDelta >= 0) || double.IsInfinity(MinDelta)) throw new InvalidConfigurationException($"The early-stopping MinDelta must be 0 or positive but is {MinDelta}.");
        _ = new MonitoredMetric(Monitor);
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"EarlyStopping(Monitor={Monitor}, Patience={Patience}, MinDelta={MinDelta:R}, RestoreBestWeights={RestoreBestWeights})");
}
