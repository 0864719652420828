using System.Globalization;
using System.Runtime.InteropServices;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>What one Invoke-Training call was run with and where: its settings (name → value text), the
/// machine, and when it started. Every history object of the call refers to the same instance (its Run
/// property), so Export-TrainingReport can show the settings and the machine from the history alone.</summary>
public sealed class TrainingRunInfo
{
    internal TrainingRunInfo(IReadOnlyList<KeyValuePair<string, string>> settings, string backend)
    {
        Settings = settings;
        Started = DateTimeOffset.Now;
        Machine = new[]
        {
            new KeyValuePair<string, string>("Computer", Environment.MachineName),
            new KeyValuePair<string, string>("Operating system", RuntimeInformation.OSDescription),
            new KeyValuePair<string, string>("Architecture", RuntimeInformation.ProcessArchitecture.ToString()),
            new KeyValuePair<string, string>("Logical processors", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            new KeyValuePair<string, string>(".NET", RuntimeInformation.FrameworkDescription),
            new KeyValuePair<string, string>("Backend", backend),
            new KeyValuePair<string, string>("NeuralPS", typeof(TrainingRunInfo).Assembly.GetName().Version?.ToString() ?? "?"),
        };
    }

    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }
    public IReadOnlyList<KeyValuePair<string, string>> Machine { get; }
    public DateTimeOffset Started { get; }

    /// <summary>The settings of a call, as Export-TrainingReport lists them.</summary>
    internal static TrainingRunInfo From(TrainingOptions o, string backend, int trainSamples, int? validationSamples)
    {
        string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var s = new List<KeyValuePair<string, string>>();
        void Add(string k, string v) => s.Add(new(k, v));
        Add("Epochs", o.Epochs.ToString(CultureInfo.InvariantCulture));
        Add("Batch size", o.BatchSize.ToString(CultureInfo.InvariantCulture));
        Add("Optimizer", o.Optimizer);
        Add("Learning rate", F(o.LearningRate));
        if (o.Momentum != 0) Add("Momentum", F(o.Momentum) + (o.Nesterov ? " (Nesterov)" : string.Empty));
        if (o.WeightDecay != 0) Add("Weight decay", F(o.WeightDecay));
        Add("Loss", o.Loss ?? "Auto");
        Add("Training samples", trainSamples.ToString(CultureInfo.InvariantCulture));
        Add("Validation samples", validationSamples?.ToString(CultureInfo.InvariantCulture) ?? (o.ValidationSplit > 0 ? $"{o.ValidationSplit:P0} split" : "none"));
        Add("Seed", o.Seed?.ToString(CultureInfo.InvariantCulture) ?? "the network's");
        Add("Shuffle", o.Shuffle ? "yes" : "no");
        Add("Learning-rate schedule", o.Schedule?.Describe() ?? "none");
        Add("Early stopping", o.EarlyStopping?.Describe() ?? "none");
        if (o.ClipNorm is double n) Add("Clip gradient norm", F(n));
        if (o.ClipValue is double v) Add("Clip gradient value", F(v));
        if (o.AccumulationSteps > 1) Add("Gradient accumulation", $"{o.AccumulationSteps} batches");
        if (o.ClassWeights is { } w) Add("Class weights", string.Join(", ", w.Select(F)));
        else if (o.BalanceClasses) Add("Class weights", "Balanced");
        if (o.CheckpointDirectory is { } dir) Add("Checkpoints", dir + (o.CheckpointEvery > 0 ? $" (every {o.CheckpointEvery} batches)" : string.Empty) + (o.Resume ? ", resumable" : string.Empty));
        return new TrainingRunInfo(s, backend);
    }

    public override string ToString() => string.Join(", ", Settings.Take(4).Select(kv => $"{kv.Key} {kv.Value}"));
}
