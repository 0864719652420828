namespace NeuralPS.Core.Data;

/// <summary>Per-feature standardisation of a time-major series, (v − mean) / std, fitted on the training
/// steps only (<see cref="SeriesWindows.Split"/>). A constant feature gets std 1.</summary>
public sealed class SeriesScaler
{
    private SeriesScaler(double[] mean, double[] std)
    {
        Mean = mean;
        StandardDeviation = std;
    }

    public IReadOnlyList<double> Mean { get; }
    public IReadOnlyList<double> StandardDeviation { get; }
    public int Features => Mean.Count;

    public static SeriesScaler Fit(ReadOnlySpan<float> series, int features)
    {
        int steps = series.Length / features;
        if (steps < 1) throw new DataFormatException("A scaler needs at least one step of the series to fit on.");
        var mean = new double[features];
        var std = new double[features];
        for (int t = 0; t < steps; t++)
            for (int f = 0; f < features; f++) mean[f] += series[t * features + f];
        for (int f = 0; f < features; f++) mean[f] /= steps;
        for (int t = 0; t < steps; t++)
            for (int f = 0; f < features; f++)
            {
                double d = series[t * features + f] - mean[f];
                std[f] += d * d;
            }
        for (int f = 0; f < features; f++)
        {
            std[f] = Math.Sqrt(std[f] / steps);
            if (!(std[f] > 0)) std[f] = 1;
        }
        return new SeriesScaler(mean, std);
    }

    /// <summary>Scales a time-major series in place.</summary>
    public void Transform(Span<float> series)
    {
        for (int i = 0; i < series.Length; i++)
        {
            int f = i % Features;
            series[i] = (float)((series[i] - Mean[f]) / StandardDeviation[f]);
        }
    }

    /// <summary>A scaled value of <paramref name="feature"/> back in the series' units.</summary>
    public double Inverse(double scaled, int feature) => scaled * StandardDeviation[feature] + Mean[feature];
}
