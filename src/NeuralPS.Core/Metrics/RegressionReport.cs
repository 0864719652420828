using System.Globalization;

namespace NeuralPS.Core.Metrics;

/// <summary>Mean absolute error, root mean squared error and R² (coefficient of determination) over all
/// outputs; loss is the mean squared error. With several outputs, R² is the mean of the per-output R²
/// (scikit-learn's "uniform_average"); an output with constant targets scores 1 if predicted exactly, else 0.</summary>
public sealed class RegressionReport : EvaluationReport
{
    private RegressionReport(int count, int outputs, double mae, double mse, double r2, IReadOnlyList<double> r2PerOutput)
        : base(count, mse, "MeanSquaredError")
    {
        Outputs = outputs;
        MeanAbsoluteError = mae;
        RootMeanSquaredError = Math.Sqrt(mse);
        RSquared = r2;
        RSquaredPerOutput = r2PerOutput;
    }

    public override string Task => "Regression";
    public int Outputs { get; }
    public double MeanAbsoluteError { get; }
    public double RootMeanSquaredError { get; }
    public double RSquared { get; }
    public IReadOnlyList<double> RSquaredPerOutput { get; }

    /// <summary>Short aliases (MAE, RMSE, R2) as the issue names them.</summary>
    public double MAE => MeanAbsoluteError;
    public double RMSE => RootMeanSquaredError;
    public double R2 => RSquared;

    /// <summary>Builds the report from targets and predictions laid out [count, outputs].</summary>
    public static RegressionReport Compute(ReadOnlySpan<float> actual, ReadOnlySpan<float> predicted, int outputs)
    {
        if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs));
        if (actual.Length != predicted.Length || actual.Length % outputs != 0)
            throw new ArgumentException($"{actual.Length} targets and {predicted.Length} predictions do not make rows of {outputs} outputs.");
        int n = actual.Length / outputs;
        double abs = 0, sq = 0;
        var mean = new double[outputs];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < outputs; j++) mean[j] += actual[i * outputs + j];
        for (int j = 0; j < outputs; j++) mean[j] /= Math.Max(n, 1);
        var ssRes = new double[outputs];
        var ssTot = new double[outputs];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < outputs; j++)
            {
                double y = actual[i * outputs + j], e = predicted[i * outputs + j] - y;
                abs += Math.Abs(e);
                sq += e * e;
                ssRes[j] += e * e;
                ssTot[j] += (y - mean[j]) * (y - mean[j]);
            }
        }
        var r2 = new double[outputs];
        for (int j = 0; j < outputs; j++) r2[j] = ssTot[j] > 0 ? 1 - ssRes[j] / ssTot[j] : ssRes[j] == 0 ? 1 : 0;
        long total = (long)n * outputs;
        return new RegressionReport(n, outputs, total == 0 ? 0 : abs / total, total == 0 ? 0 : sq / total, r2.Length == 0 ? 0 : r2.Average(), r2);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MAE {MeanAbsoluteError:G4}, RMSE {RootMeanSquaredError:G4}, R² {RSquared:F4} on {Count} samples");
}
