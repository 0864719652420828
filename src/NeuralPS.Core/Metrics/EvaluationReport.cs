namespace NeuralPS.Core.Metrics;

/// <summary>What Measure-Model reports: a <see cref="ClassificationReport"/> or a <see cref="RegressionReport"/>.</summary>
public abstract class EvaluationReport
{
    private protected EvaluationReport(int count, double loss, string lossName)
    {
        Count = count;
        Loss = loss;
        LossName = lossName;
    }

    /// <summary>"Classification" or "Regression".</summary>
    public abstract string Task { get; }

    /// <summary>Samples evaluated.</summary>
    public int Count { get; }

    /// <summary>Mean loss per sample (NaN when not computed).</summary>
    public double Loss { get; }

    /// <summary>"CrossEntropy", "BinaryCrossEntropy" or "MeanSquaredError".</summary>
    public string LossName { get; }
}
