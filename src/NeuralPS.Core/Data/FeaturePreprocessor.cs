namespace NeuralPS.Core.Data;

/// <summary>How raw feature values become network input, fitted on training data and saved with the
/// model so that prediction on raw rows just works: x' = (x · Scale − Mean[j]) / Std[j].
/// For records (CSV rows, PSObjects) <see cref="Columns"/> describes the raw columns in input order
/// (numeric, or categorical = one-hot) and <see cref="FeatureNames"/> names each network input
/// ("SepalLength", "Color=red"); for arrays/idx data both are null and only Scale (e.g. 1/255) and
/// optionally Mean/Std apply. One-hot inputs keep mean 0 and std 1 (they are not standardised).</summary>
public sealed class FeaturePreprocessor
{
    public FeaturePreprocessor(IReadOnlyList<string>? featureNames, float scale, float[]? mean, float[]? std)
    {
        if (mean is not null && std is not null && mean.Length != std.Length)
            throw new InvalidConfigurationException("Standardisation mean and std must have the same length.");
        if ((mean is null) != (std is null))
            throw new InvalidConfigurationException("Standardisation needs both mean and std (or neither).");
        if (featureNames is not null && mean is not null && featureNames.Count != mean.Length)
            throw new InvalidConfigurationException($"{featureNames.Count} feature names but {mean.Length} standardisation statistics.");
        if (featureNames is not null)
        {
            for (int j = 0; j < featureNames.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(featureNames[j]))
                    throw new InvalidConfigurationException($"Feature name {j + 1} of {featureNames.Count} is empty; every feature needs a name.");
            }
        }
        if (!float.IsFinite(scale) || scale == 0f)
            throw new InvalidConfigurationException($"Feature scale must be a finite, non-zero number but is {scale}.");
        if (std is not null)
        {
            for (int j = 0; j < std.Length; j++)
            {
                if (!(std[j] > 0f) || !float.IsFinite(std[j]) || !float.IsFinite(mean![j]))
                    throw new InvalidConfigurationException($"Standardisation statistics of feature {j} are invalid (mean {mean![j]}, std {std[j]}).");
            }
        }
        FeatureNames = featureNames?.ToArray();
        Scale = scale;
        Mean = mean;
        Std = std;
    }

    /// <summary>A record preprocessor: raw columns (numeric or categorical), standardisation statistics per
    /// network input (null = none), and the label column it was trained with.</summary>
    public FeaturePreprocessor(IReadOnlyList<FeatureColumn> columns, float[]? mean, float[]? std, string? labelName = null)
        : this(InputNamesOf(columns), 1f, mean, std)
    {
        Columns = columns.ToArray();
        LabelName = string.IsNullOrEmpty(labelName) ? null : labelName;
    }

    private static string[] InputNamesOf(IReadOnlyList<FeatureColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new InvalidConfigurationException("A record preprocessor needs at least one feature column.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            if (!seen.Add(c.Name)) throw new InvalidConfigurationException($"Feature column '{c.Name}' is listed twice.");
        }
        return columns.SelectMany(c => c.InputNames).ToArray();
    }

    /// <summary>Raw record columns in input order (null for array/idx data).</summary>
    public IReadOnlyList<FeatureColumn>? Columns { get; }

    /// <summary>The record column that held the label in training (null if unknown or not from records).
    /// Measure-Model uses it as the default label property.</summary>
    public string? LabelName { get; init; }

    /// <summary>Columns for encoding records: <see cref="Columns"/>, or, for a preprocessor built from
    /// feature names only, one numeric column per name. Null when there are no names (array data).</summary>
    public IReadOnlyList<FeatureColumn>? RecordColumns => Columns ?? FeatureNames?.Select(n => new FeatureColumn(n)).ToArray();

    /// <summary>Number of network inputs the statistics/names describe (null when neither is known).</summary>
    public int? InputWidth => Mean?.Length ?? FeatureNames?.Count;

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
