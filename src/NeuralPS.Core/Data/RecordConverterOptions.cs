namespace NeuralPS.Core.Data;

/// <summary>How <see cref="RecordConverter"/> turns records into a dataset for training.</summary>
public sealed class RecordConverterOptions
{
    /// <summary>The column holding the label (class or regression target). Null = unlabelled records.</summary>
    public string? LabelColumn { get; set; }

    /// <summary>Feature columns in input order. Null = every column of the first accepted record except
    /// the label, in that record's order.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; set; }

    /// <summary>Columns to one-hot encode even if their values look numeric (e.g. zip codes). A column not
    /// listed is numeric when its value in the first accepted record is a number, else categorical.</summary>
    public IReadOnlyList<string>? CategoricalColumns { get; set; }

    /// <summary>The column that holds text (read with a vocabulary fitted on the training records, see
    /// <see cref="Text"/>); it must be the only feature column. Null = no text.</summary>
    public string? TextColumn { get; set; }

    /// <summary>How the text column becomes token ids (required with <see cref="TextColumn"/>).</summary>
    public TextSettings? Text { get; set; }

    /// <summary>Classification, regression, or decided from the labels (see <see cref="LearningTask.Auto"/>).</summary>
    public LearningTask Task { get; set; } = LearningTask.Auto;

    /// <summary>Standardise numeric columns to mean 0 / std 1 with statistics fitted on the training records (default true).</summary>
    public bool Standardize { get; set; } = true;

    /// <summary>Dataset name.</summary>
    public string Name { get; set; } = DefaultName;

    internal const string DefaultName = "records";

    public RecordConverterOptions Clone() => (RecordConverterOptions)MemberwiseClone();
}

/// <summary>How a text column is vectorised: split into words or characters, at most
/// <paramref name="MaxTokens"/> ids, <paramref name="SequenceLength"/> ids per text.</summary>
public sealed record TextSettings(TextTokens Split, int SequenceLength, int MaxTokens);
