namespace NeuralPS.Cmdlets;

/// <summary>Invoke-Prediction's output for one sample of a dataset (records get the same
/// PredictedLabel/Probability/PredictedValue properties added to themselves instead).</summary>
public sealed class SamplePrediction
{
    internal SamplePrediction(int index, string? predictedLabel, double? probability, object? predictedValue, string? actualLabel, object? actualValue,
        IReadOnlyDictionary<string, double>? probabilities)
    {
        Index = index;
        PredictedLabel = predictedLabel;
        Probability = probability;
        PredictedValue = predictedValue;
        ActualLabel = actualLabel;
        ActualValue = actualValue;
        Probabilities = probabilities;
    }

    /// <summary>0-based position of the sample in the dataset.</summary>
    public int Index { get; }

    /// <summary>Classification: the predicted class name.</summary>
    public string? PredictedLabel { get; }

    /// <summary>Classification: the probability of the predicted class.</summary>
    public double? Probability { get; }

    /// <summary>Regression: the predicted value (a number; an array for several outputs).</summary>
    public object? PredictedValue { get; }

    /// <summary>The dataset's own class name for the sample, when it has labels.</summary>
    public string? ActualLabel { get; }

    /// <summary>The dataset's own target, when it has regression targets.</summary>
    public object? ActualValue { get; }

    /// <summary>With -IncludeProbabilities: every class's probability, by class name.</summary>
    public IReadOnlyDictionary<string, double>? Probabilities { get; }

    public override string ToString() => PredictedLabel is not null
        ? $"{Index}: {PredictedLabel} ({Probability:P1})"
        : $"{Index}: {PredictedValue}";
}
