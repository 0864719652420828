namespace NeuralPS.Core.Data;

/// <summary>One raw column of a record (a CSV column, a PSObject property) as the network sees it:
/// a number (one input) or a category (one-hot, one input per category known from training).</summary>
public sealed class FeatureColumn
{
    /// <summary>A numeric column.</summary>
    public FeatureColumn(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = FeatureKind.Numeric;
    }

    /// <summary>A categorical column with its categories in input order.</summary>
    public FeatureColumn(string name, IReadOnlyList<string> categories)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(categories);
        if (categories.Count == 0)
            throw new InvalidConfigurationException($"Categorical column '{name}' needs at least one category.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in categories)
        {
            if (c is null || !seen.Add(c))
                throw new InvalidConfigurationException($"Categorical column '{name}' lists category '{c}' twice (or a null category).");
        }
        Name = name;
        Kind = FeatureKind.Categorical;
        Categories = categories.ToArray();
    }

    /// <summary>A text column read with <paramref name="vectorizer"/> (its fitted vocabulary).</summary>
    public FeatureColumn(string name, TextVectorizer vectorizer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(vectorizer);
        Name = name;
        Kind = FeatureKind.Text;
        Vectorizer = vectorizer;
    }

    public string Name { get; }
    public FeatureKind Kind { get; }

    /// <summary>Categories in one-hot order (null for numeric columns).</summary>
    public IReadOnlyList<string>? Categories { get; }

    /// <summary>How a text column becomes token ids (null for numeric and categorical columns).</summary>
    public TextVectorizer? Vectorizer { get; }

    /// <summary>Number of network inputs this column produces.</summary>
    public int Width => Vectorizer?.SequenceLength ?? Categories?.Count ?? 1;

    /// <summary>Names of the inputs this column produces: "Name", "Name=category" per category, or "Name[i]" per token position.</summary>
    public IEnumerable<string> InputNames => Vectorizer is { } v ? Enumerable.Range(1, v.SequenceLength).Select(i => $"{Name}[{i}]")
        : Categories is null ? new[] { Name } : Categories.Select(c => $"{Name}={c}");

    public override string ToString() => Vectorizer is { } v ? $"{Name} (text: {v.VocabularySize:N0} ids, {v.SequenceLength} steps)"
        : Categories is null ? Name : $"{Name} (categories: {string.Join(", ", Categories)})";
}
