using NeuralPS.Core;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Invoke-Training's engine parameters as bound (null = not given), PowerShell-free, and the
/// rules that turn them into <see cref="TrainingOptions"/>: the optimizer's default rate, the schedule,
/// early stopping, checkpoints, clipping and accumulation. The cmdlet only copies its parameters here.</summary>
internal sealed record TrainingParameters
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public string Optimizer { get; init; } = "Adam";
    public double? LearningRate { get; init; }
    public string Loss { get; init; } = "Auto";
    public double ValidationSplit { get; init; }
    public ulong? Seed { get; init; }
    public double Momentum { get; init; }
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public bool NoShuffle { get; init; }

    public string? CheckpointPath { get; init; }
    public int? CheckpointEvery { get; init; }
    public bool Resume { get; init; }

    public bool EarlyStopping { get; init; }
    public int? Patience { get; init; }
    public double? MinDelta { get; init; }
    public string? Monitor { get; init; }
    public bool KeepLastWeights { get; init; }

    public ScheduleSettings Schedule { get; init; } = new();
    public double? ClipNorm { get; init; }
    public double? ClipValue { get; init; }
    public int? AccumulationSteps { get; init; }

    /// <summary>-Distributed as given (null = not given: the launcher's environment decides).</summary>
    public bool? Distributed { get; init; }
    public bool SyncBatchNorm { get; init; }
    public int? ChecksumEvery { get; init; }

    public TrainingOptions Build()
    {
        bool plateau = Schedule.Name.Equals("ReduceOnPlateau", StringComparison.OrdinalIgnoreCase);
        if (!EarlyStopping)
        {
            string? stray = Patience.HasValue ? "-Patience" : MinDelta.HasValue ? "-MinDelta" : KeepLastWeights ? "-KeepLastWeights"
                : Monitor is not null && !plateau ? "-Monitor" : null;
            if (stray is not null)
                throw new InvalidConfigurationException($"{stray} applies to early stopping; add -EarlyStopping" + (stray == "-Monitor" ? " (or use -LearningRateSchedule ReduceOnPlateau)." : "."));
        }
        if (CheckpointPath is null && (Resume || CheckpointEvery.HasValue))
            throw new InvalidConfigurationException($"{(Resume ? "-Resume" : "-CheckpointEvery")} needs -CheckpointPath (the folder that holds the checkpoints).");

        return new TrainingOptions
        {
            Epochs = Epochs,
            BatchSize = BatchSize,
            Optimizer = Optimizer,
            LearningRate = LearningRate ?? (Optimizer.Equals("SGD", StringComparison.OrdinalIgnoreCase) ? 0.01 : 0.001),
            Loss = Loss.Equals("Auto", StringComparison.OrdinalIgnoreCase) ? null : Loss,
            ValidationSplit = ValidationSplit,
            Seed = Seed,
            Momentum = Momentum,
            Nesterov = Nesterov,
            WeightDecay = WeightDecay,
            Shuffle = !NoShuffle,
            Schedule = (Schedule with { Monitor = plateau ? Monitor : null }).Create(),
            ClipNorm = ClipNorm,
            ClipValue = ClipValue,
            AccumulationSteps = AccumulationSteps ?? 1,
            EarlyStopping = EarlyStopping
                ? new EarlyStoppingOptions
                {
                    Patience = Patience ?? 5, MinDelta = MinDelta ?? 0, Monitor = Monitor ?? MonitoredMetric.Auto, RestoreBestWeights = !KeepLastWeights,
                }
                : null,
            CheckpointDirectory = CheckpointPath,
            CheckpointEvery = CheckpointEvery ?? 0,
            Resume = Resume,
            Distributed = DistributedSession.Resolve(Distributed, SyncBatchNorm, ChecksumEvery),
        };
    }
}
