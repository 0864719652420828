using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Invoke-Training's parameters, PowerShell-free.</summary>
internal sealed class TrainingSettings
{
    public TrainingOptions Options { get; init; } = new();

    /// <summary>The property holding the label; null = the network's saved label property, else the last property of the first record.</summary>
    public string? LabelProperty { get; init; }

    /// <summary>Feature properties in input order; null = all but the label.</summary>
    public IReadOnlyList<string>? FeatureProperties { get; init; }

    public LearningTask Task { get; init; } = LearningTask.Auto;

    /// <summary>-Task NextToken: a text network learns to predict the next token at every step; the labels come
    /// from the text itself (no label property).</summary>
    public bool NextToken { get; init; }

    /// <summary>-ValidationData as a dataset...</summary>
    public Dataset? ValidationDataset { get; init; }

    /// <summary>...or as records (converted with the training data's encoding).</summary>
    public IReadOnlyList<RecordView>? ValidationRecords { get; init; }

    /// <summary>-ClassWeight as given: 'Balanced', numbers per class, or a class-name → weight map (see <see cref="ClassWeightParser"/>).</summary>
    public object? ClassWeight { get; init; }

    /// <summary>-SeriesProperty: train a forecaster on the series of these properties (the first is the target).</summary>
    public IReadOnlyList<string>? SeriesProperties { get; init; }

    /// <summary>-Horizon: how many steps after a window its (first) forecast is; series mode when given.</summary>
    public int? Horizon { get; init; }

    /// <summary>True when the input is a series to forecast (either series parameter, or a network trained on one).</summary>
    public bool IsSeries(NeuralPS.Core.Network network) => SeriesProperties is not null || Horizon is not null || network.Series is not null;

    /// <summary>"auto", "cpu", "cuda".</summary>
    public string Backend { get; init; } = "auto";
}

/// <summary>Where a running training command reports; called on the thread that called Run.</summary>
internal interface ITrainingSink
{
    void Progress(ProgressInfo progress);
    void Completed(TrainingHistoryEntry epoch);
    void Verbose(string message);

    /// <summary>A decision the user should check (a column's kind or the task decided by a minority of values).</summary>
    void Warning(string message);

    /// <summary>A validation record that could not be converted (non-terminating).</summary>
    void RecordRejected(RecordError error, object source);
}
