using System.Globalization;
using System.Text;

namespace NeuralPS.Core.Data;

/// <summary>How <see cref="TextVectorizer"/> cuts text into tokens.</summary>
public enum TextTokens
{
    /// <summary>Runs of letters, digits and apostrophes (lower-cased); everything else separates.</summary>
    Words,
    /// <summary>Every character (Unicode scalar value, lower-cased), spaces included.</summary>
    Characters,
}

/// <summary>Turns text into fixed-length sequences of token ids for an <c>Embedding</c> layer, as Keras'
/// TextVectorization: a vocabulary fitted on the training texts only (the most frequent tokens, ties in
/// ordinal order, capped at <see cref="MaxTokens"/> ids in all), id 0 = padding, id 1 = out of vocabulary,
/// then the tokens. Sequences are cut after <see cref="SequenceLength"/> tokens and padded with 0 at the
/// end. Ids are written as floats (the network's input type); pair with
/// <c>Embedding(VocabularySize, dims, paddingIndex: 0)</c>.</summary>
public sealed class TextVectorizer
{
    public const int PaddingId = 0, OutOfVocabularyId = 1;
    private readonly Dictionary<string, int> _ids;
    private readonly string[] _tokens;

    private TextVectorizer(TextTokens mode, int sequenceLength, int maxTokens, string[] tokens)
    {
        Mode = mode;
        SequenceLength = sequenceLength;
        MaxTokens = maxTokens;
        _tokens = tokens;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) _ids[tokens[i]] = i + 2;
    }

    public TextTokens Mode { get; }
    public int SequenceLength { get; }
    public int MaxTokens { get; }

    /// <summary>Ids in use: padding, out-of-vocabulary and the fitted tokens (the Embedding's vocabulary size).</summary>
    public int VocabularySize => _tokens.Length + 2;

    /// <summary>The fitted tokens in id order (the first has id 2).</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    public static TextVectorizer Fit(IEnumerable<string?> trainingTexts, TextTokens mode, int sequenceLength, int maxTokens = 20000)
    {
        ArgumentNullException.ThrowIfNull(trainingTexts);
        if (sequenceLength < 1) throw new InvalidConfigurationException($"The sequence length must be at least 1, not {sequenceLength}.");
        if (maxTokens < 3) throw new InvalidConfigurationException($"The vocabulary needs room for padding, out-of-vocabulary and at least one token: -MaxTokens {maxTokens} is below 3.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in trainingTexts)
            foreach (var token in Tokenize(text, mode))
                counts[token] = counts.TryGetValue(token, out int c) ? c + 1 : 1;
        var tokens = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(maxTokens - 2).Select(kv => kv.Key).ToArray();
        return new TextVectorizer(mode, sequenceLength, maxTokens, tokens);
    }

    /// <summary>A vectorizer with a given vocabulary (the model file's): the tokens in id order from id 2,
    /// each non-empty and listed once, at most <paramref name="maxTokens"/> − 2 of them.</summary>
    public static TextVectorizer FromVocabulary(TextTokens mode, int sequenceLength, int maxTokens, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (!Enum.IsDefined(mode)) throw new InvalidConfigurationException($"Unknown text split {(int)mode}.");
        if (sequenceLength < 1 || sequenceLength > Layers.TextVectorization.MaxSequenceLength)
            throw new InvalidConfigurationException($"The sequence length must be in [1, {Layers.TextVectorization.MaxSequenceLength:N0}], not {sequenceLength}.");
        if (maxTokens < 3 || maxTokens > Layers.TextVectorization.MaxVocabulary)
            throw new InvalidConfigurationException($"The vocabulary cap must be in [3, {Layers.TextVectorization.MaxVocabulary:N0}], not {maxTokens}.");
        if (tokens.Count > maxTokens - 2)
            throw new InvalidConfigurationException($"The vocabulary lists {tokens.Count:N0} tokens, more than its cap of {maxTokens:N0} ids (less padding and out-of-vocabulary) allows.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            if (string.IsNullOrEmpty(t)) throw new InvalidConfigurationException("The vocabulary lists an empty token.");
            if (!seen.Add(t)) throw new InvalidConfigurationException($"The vocabulary lists token '{t}' twice.");
        }
        return new TextVectorizer(mode, sequenceLength, maxTokens, tokens.ToArray());
    }

    /// <summary>The id of a token (1 when it is not in the vocabulary).</summary>
    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : OutOfVocabularyId;

    /// <summary>Writes the text's ids (padded / truncated to SequenceLength) into <paramref name="destination"/>.</summary>
    public void Transform(string? text, Span<float> destination)
    {
        if (destination.Length < SequenceLength)
            throw new ArgumentException($"The destination holds {destination.Length} values, fewer than the sequence length {SequenceLength}.", nameof(destination));
        destination[..SequenceLength].Clear();
        int at = 0;
        foreach (var token in Tokenize(text, Mode))
        {
            if (at == SequenceLength) break;
            destination[at++] = IdOf(token);
        }
    }

    public float[] Transform(string? text)
    {
        var ids = new float[SequenceLength];
        Transform(text, ids);
        return ids;
    }

    /// <summary>The tokens of a text, lower-cased in the invariant culture.</summary>
    public static IEnumerable<string> Tokenize(string? text, TextTokens mode)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        string lower = text.ToLowerInvariant();
        if (mode == TextTokens.Characters)
        {
            foreach (var rune in lower.EnumerateRunes()) yield return rune.ToString();
            yield break;
        }
        var word = new StringBuilder();
        foreach (var rune in lower.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            bool part = Rune.IsLetterOrDigit(rune) || rune.Value == '\'' || category == UnicodeCategory.NonSpacingMark;
            if (part)
            {
                word.Append(rune.ToString());
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
        if (word.Length > 0) yield return word.ToString();
    }
}
