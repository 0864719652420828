using System.Text;

namespace NeuralPS.Core.Metrics;

/// <summary>Counts of (actual class, predicted class): rows are the actual class, columns the predicted one.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    public ConfusionMatrix(IReadOnlyList<string> classNames, int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.GetLength(0) != classNames.Count || counts.GetLength(1) != classNames.Count)
            throw new ArgumentException($"A confusion matrix of {classNames.Count} classes must be {classNames.Count}x{classNames.Count}.", nameof(counts));
        ClassNames = classNames.ToArray();
        _counts = (int[,])counts.Clone();
    }

    public IReadOnlyList<string> ClassNames { get; }
    public int ClassCount => ClassNames.Count;

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual, predicted];

    public int[,] ToArray() => (int[,])_counts.Clone();

    /// <summary>One row per actual class with a count per predicted class name — a table PowerShell can show.</summary>
    public IReadOnlyList<ConfusionMatrixRow> Rows
    {
        get
        {
            var rows = new ConfusionMatrixRow[ClassCount];
            for (int a = 0; a < ClassCount; a++)
            {
                var counts = new int[ClassCount];
                for (int p = 0; p < ClassCount; p++) counts[p] = _counts[a, p];
                rows[a] = new ConfusionMatrixRow(ClassNames[a], ClassNames, counts);
            }
            return rows;
        }
    }

    /// <summary>A fixed-width text table (actual class down, predicted class across).</summary>
    public override string ToString()
    {
        int width = Math.Max(6, ClassNames.Max(n => n.Length));
        int cell = Math.Max(5, ClassNames.Max(n => n.Length));
        for (int a = 0; a < ClassCount; a++)
            for (int p = 0; p < ClassCount; p++) cell = Math.Max(cell, _counts[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var sb = new StringBuilder();
        sb.Append("actual \\ predicted".PadRight(width + 2));
        foreach (var n in ClassNames) sb.Append(' ').Append(n.PadLeft(cell));
        sb.AppendLine();
        for (int a = 0; a < ClassCount; a++)
        {
            sb.Append(ClassNames[a].PadRight(width + 2));
            for (int p = 0; p < ClassCount; p++) sb.Append(' ').Append(_counts[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(cell));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}

/// <summary>One row of a confusion matrix: the actual class and how its samples were predicted.</summary>
public sealed class ConfusionMatrixRow
{
    internal ConfusionMatrixRow(string actual, IReadOnlyList<string> classNames, int[] counts)
    {
        Actual = actual;
        PredictedNames = classNames;
        Counts = counts;
    }

    public string Actual { get; }
    public IReadOnlyList<string> PredictedNames { get; }

    /// <summary>Counts by predicted class index.</summary>
    public IReadOnlyList<int> Counts { get; }

    public int Total => Counts.Sum();

    public int this[string predicted]
    {
        get
        {
            for (int i = 0; i < PredictedNames.Count; i++)
            {
                if (PredictedNames[i] == predicted) return Counts[i];
            }
            throw new KeyNotFoundException($"There is no class '{predicted}'.");
        }
    }

    public override string ToString() => $"{Actual}: " + string.Join(", ", PredictedNames.Select((n, i) => $"{n}={Counts[i]}"));
}
