namespace NeuralPS.Core.Data;

/// <summary>How raw feature values become network input, fitted on training data and saved with the
/// model so that prediction on raw rows just works: x' = (x · Scale − Mean[j]) / Std[j].
/// For records (CSV rows, PSObjects) <see cref="FeatureNames"/> names the columns in input order;
/// for arrays/idx data it is null and only Scale (e.g. 1/255) and optionally Mean/Std apply.</summary>
public sealed class FeaturePreprocessor
{
    public FeaturePreprocessor(IReadOnlyList<string>? featureNames, float scale, float[]? mean, float[]? std)
    {
        if (mean is not null && std is not null && mean.Length != std.Length)
            throw new InvalidConfigurationException("Standardisation mean and std must have the same length.");
        if (featureNames is not null && mean is not null && featureNames.Count != mean.Length)
            throw new InvalidConfigurationException($"{featureNames.Count} feature names but {mean.Length} standardisation statistics.");
        FeatureNames = featureNames?.ToArray();
        Scale = scale;
        Mean = mean;
        Std = std;
    }

    public IReadOnlyList<string>? FeatureNames { get; }
    public float Scale { get; }
    public float[]? Mean { get; }
    public float[]? Std { get; }

    /// <summary>Fits per-feature mean and standard deviation on rows [n, features] (raw values).
    /// A constant column gets std 1, so it maps to 0 rather than NaN.</summary>
    public static FeaturePreprocessor Fit(ReadOnlySpan<float> rows, int featureCount, IReadOnlyList<string>? featureNames, float scale = 1f)
    {
        if (featureCount <= 0 || rows.Length % featureCount != 0)
            throw new InvalidConfigurationException($"Cannot fit standardisation: {rows.Length} values is not a whole number of rows of {featureCount} features.");
        int n = rows.Length / featureCount;
        if (n == 0) throw new DataFormatException("Cannot fit standardisation on an empty dataset.");
        var sum = new double[featureCount];
        var sumSq = new double[featureCount];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < featureCount; j++)
            {
                double v = rows[i * featureCount + j] * (double)scale;
                sum[j] += v;
            }
        }
        var mean = new float[featureCount];
        for (int j = 0; j < featureCount; j++) mean[j] = (float)(sum[j] / n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < featureCount; j++)
            {
                double d = rows[i * featureCount + j] * (double)scale - mean[j];
                sumSq[j] += d * d;
            }
        }
        var std = new float[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            double s = Math.Sqrt(sumSq[j] / n);
            std[j] = s > 1e-12 ? (float)s : 1f;
        }
        return new FeaturePreprocessor(featureNames, scale, mean, std);
    }

    /// <summary>Applies the transform in place to rows laid out [n, features].</summary>
    public void Apply(Span<float> rows)
    {
        if (Mean is null || Std is null)
        {
            if (Scale != 1f) for (int i = 0; i < rows.Length; i++) rows[i] *= Scale;
            return;
        }
        int f = Mean.Length;
        if (rows.Length % f != 0)
            throw new ShapeMismatchException($"Rows of {rows.Length} values do not divide into the {f} features the preprocessing was fitted on.");
        for (int i = 0; i < rows.Length; i += f)
        {
            for (int j = 0; j < f; j++) rows[i + j] = (rows[i + j] * Scale - Mean[j]) / Std[j];
        }
    }
}
