using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>Per-step labels for a language model built from the text itself: at every step the label is
/// the id of the next token (the sequence shifted left by one), as a character-level "predict the next
/// character" model learns. The step after the last token is labelled <see cref="EndId"/> (id 0, the
/// padding id, read as "the text ends here"); every later (padded) step is labelled
/// <see cref="Loss.IgnoredLabel"/>, so padding adds nothing to the loss, the gradient or the accuracy.
/// A text that fills the whole sequence gives its last step no label (what follows was cut off).
/// The classes are the vectorizer's ids: 0 = end, 1 = out of vocabulary, then the tokens.</summary>
public static class NextTokenLabels
{
    /// <summary>The class of "the text ends here" (the padding id).</summary>
    public const int EndId = TextVectorizer.PaddingId;

    /// <summary>The class names of a next-token model over <paramref name="vocabulary"/>: "&lt;end&gt;",
    /// "&lt;unknown&gt;", then the tokens in id order.</summary>
    public static string[] ClassNames(TextVectorizer vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var names = new string[vocabulary.VocabularySize];
        names[EndId] = "<end>";
        names[TextVectorizer.OutOfVocabularyId] = "<unknown>";
        for (int i = 0; i < vocabulary.Tokens.Count; i++) names[i + 2] = vocabulary.Tokens[i];
        return names;
    }

    /// <summary>The vocabulary of a text dataset's text column (from its preprocessing), or null.</summary>
    public static TextVectorizer? VocabularyOf(FeaturePreprocessor? preprocessor) =>
        preprocessor?.Columns?.FirstOrDefault(c => c.Kind == FeatureKind.Text)?.Vectorizer;

    /// <summary>True for a network trained as a next-token model (Invoke-Training -Task NextToken): it starts
    /// with TextVectorization, outputs one score row per step, was trained without a label property, and its
    /// classes are the vocabulary's ids starting with "&lt;end&gt;". Such a model is measured on raw text: the
    /// labels come from the text itself.</summary>
    public static bool IsNextTokenModel(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers.Count > 0 && network.Layers[0] is Layers.TextVectorization text
            && network.OutputShape.Rank == 2 && network.OutputShape[0] == text.SequenceLength
            && network.Preprocessor is { LabelName: null } pre && VocabularyOf(pre) is { } vocabulary
            && network.ClassNames is { } names && names.Count == vocabulary.VocabularySize && names[EndId] == "<end>";
    }

    /// <summary>Writes the labels of one sequence of ids (padded with 0 at the end) into <paramref name="labels"/>.</summary>
    public static void Fill(ReadOnlySpan<float> ids, Span<int> labels)
    {
        if (labels.Length != ids.Length)
            throw new ArgumentException($"{ids.Length} ids but room for {labels.Length} labels.", nameof(labels));
        for (int t = 0; t < ids.Length; t++)
        {
            if (ids[t] == TextVectorizer.PaddingId) labels[t] = Loss.IgnoredLabel;
            else if (t + 1 == ids.Length) labels[t] = Loss.IgnoredLabel; // the text was cut here: the next token is unknown
            else labels[t] = (int)ids[t + 1]; // the next token, or 0 = the end of the text
        }
    }

    /// <summary>The samples of <paramref name="ids"/> (token ids, (count, steps), e.g. TextVectorizer's output)
    /// with next-token labels, one per step; features, preprocessing and source indexes are shared.</summary>
    public static Dataset Build(Dataset ids, TextVectorizer vocabulary)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (ids.SampleShape.Rank != 1)
            throw new ShapeMismatchException($"Dataset '{ids.Name}': next-token labels need samples of token ids (steps,), but they are {ids.SampleShape}.");
        int n = ids.Count, steps = ids.SampleShape[0];
        var labels = new int[(long)n * steps];
        ReadOnlySpan<float> x = ids.Features.Span;
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * steps, steps);
            for (int t = 0; t < steps; t++)
            {
                float id = row[t];
                if (!(id >= 0 && id < vocabulary.VocabularySize) || id != MathF.Floor(id))
                    throw new DataFormatException($"Dataset '{ids.Name}': sample {ids.SourceIndexOf(i)}, step {t} holds {id}, not a token id in [0, {vocabulary.VocabularySize - 1}].");
            }
            Fill(row, labels.AsSpan(i * steps, steps));
        }
        return new Dataset(ids.Features, labels, null, ClassNames(vocabulary), ids.Name, steps)
        {
            Preprocessor = ids.Preprocessor,
            SourceIndices = Enumerable.Range(0, n).Select(ids.SourceIndexOf).ToArray(),
        };
    }
}
