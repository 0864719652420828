namespace NeuralPS.Core.Metrics;

/// <summary>The network's answer for one sample: for classification the predicted class (name and index),
/// its probability and every class's probability; for regression the output value(s).</summary>
public sealed class Prediction
{
    internal Prediction(int index, string label, int classIndex, double probability, double[] probabilities)
    {
        Index = index;
        Label = label;
        ClassIndex = classIndex;
        Probability = probability;
        Probabilities = probabilities;
    }

    internal Prediction(int index, string[] stepLabels, double[] stepProbabilities, double[] probabilities)
        : this(index, stepLabels[^1], -1, stepProbabilities[^1], probabilities)
    {
        StepLabels = stepLabels;
        StepProbabilities = stepProbabilities;
    }

    internal Prediction(int index, float[] values)
    {
        Index = index;
        ClassIndex = -1;
        Probability = double.NaN;
        Values = values;
    }

    /// <summary>Position of the sample in the input given to the predictor.</summary>
    public int Index { get; }

    /// <summary>Predicted class name (null for regression).</summary>
    public string? Label { get; }

    /// <summary>Predicted class index (-1 for regression).</summary>
    public int ClassIndex { get; }

    /// <summary>Probability of the predicted class (NaN for regression).</summary>
    public double Probability { get; }

    /// <summary>Probability of each class, by class index (null for regression).</summary>
    public IReadOnlyList<double>? Probabilities { get; }

    /// <summary>A per-step classifier's predicted class at each step of the input (padding after a text's last
    /// token left out), else null. <see cref="Label"/> and <see cref="Probability"/> are then the last step's
    /// (for a next-token model: the token predicted to follow the text) and <see cref="Probabilities"/> the
    /// last step's distribution.</summary>
    public IReadOnlyList<string>? StepLabels { get; }

    /// <summary>The probability of each step's predicted class (per-step classifiers), else null.</summary>
    public IReadOnlyList<double>? StepProbabilities { get; }

    /// <summary>Regression outputs (null for classification).</summary>
    public IReadOnlyList<float>? Values { get; }

    /// <summary>The first regression output (null for classification).</summary>
    public double? Value => Values is { Count: > 0 } v ? v[0] : null;

    public bool IsClassification => Label is not null;

    public override string ToString() => StepLabels is not null
        ? string.Join(" ", StepLabels)
        : Label is not null
        ? $"{Label} ({Probability:P1})"
        : string.Join(", ", Values!.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));
}
