using NeuralPS.Core;
using NeuralPS.Core.Schedules;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Invoke-Training's -LearningRateSchedule and its knobs, turned into an engine schedule.
/// Defaults: Step multiplies by -Gamma (0.1) every -StepSize (10) epochs; Exponential by
/// -Gamma (0.95) every epoch; Cosine decays to -MinLearningRate (0) after -WarmupEpochs (0); OneCycle peaks
/// at -LearningRate after 30 % of the updates (PyTorch's defaults); ReduceOnPlateau multiplies by -Gamma
/// (0.1) after -PlateauPatience (10) epochs without improvement of -Monitor.</summary>
internal sealed record ScheduleSettings
{
    public static IReadOnlyList<string> Names { get; } = new[] { "None", "Step", "Exponential", "Cosine", "OneCycle", "ReduceOnPlateau" };

    public string Name { get; init; } = "None";
    public int? StepSize { get; init; }
    public double? Gamma { get; init; }
    public int? WarmupEpochs { get; init; }
    public double? MinLearningRate { get; init; }
    public int? PlateauPatience { get; init; }
    public string? Monitor { get; init; }

    /// <summary>The schedule, or null for "None"; a knob that the chosen schedule does not use is refused,
    /// so a typo in a script does not pass silently.</summary>
    public LearningRateSchedule? Create()
    {
        string name = Names.FirstOrDefault(n => n.Equals(Name?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidConfigurationException($"Unknown learning-rate schedule '{Name}'. Valid: {string.Join(", ", Names)}.");
        var used = name switch
        {
            "Step" => new[] { nameof(StepSize), nameof(Gamma) },
            "Exponential" => new[] { nameof(Gamma) },
            "Cosine" => new[] { nameof(WarmupEpochs), nameof(MinLearningRate) },
            "ReduceOnPlateau" => new[] { nameof(Gamma), nameof(PlateauPatience), nameof(MinLearningRate) },
            _ => Array.Empty<string>(),
        };
        foreach (var (knob, given) in new (string, bool)[]
                 {
                     (nameof(StepSize), StepSize.HasValue), (nameof(Gamma), Gamma.HasValue), (nameof(WarmupEpochs), WarmupEpochs.HasValue),
                     (nameof(MinLearningRate), MinLearningRate.HasValue), (nameof(PlateauPatience), PlateauPatience.HasValue),
                 })
        {
            if (given && !used.Contains(knob))
                throw new InvalidConfigurationException($"-{knob} does not apply to the learning-rate schedule '{name}'" +
                    (used.Length > 0 ? $"; it takes {string.Join(", ", used.Select(u => "-" + u))}." : "."));
        }
        return name switch
        {
            "Step" => new StepDecay(StepSize ?? 10, Gamma ?? 0.1),
            "Exponential" => new ExponentialDecay(Gamma ?? 0.95),
            "Cosine" => new CosineDecay(WarmupEpochs ?? 0, MinLearningRate ?? 0),
            "OneCycle" => new OneCycle(),
            "ReduceOnPlateau" => new ReduceOnPlateau(Gamma ?? 0.1, PlateauPatience ?? 10, minRate: MinLearningRate ?? 0, monitor: Monitor ?? "Auto"),
            _ => null,
        };
    }
}
