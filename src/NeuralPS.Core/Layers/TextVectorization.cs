using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>The first layer of a text network, as Keras' TextVectorization: it says how a record's text
/// becomes the (SequenceLength) token ids the next layer (an <see cref="Embedding"/>) reads — split into
/// words or characters, a vocabulary of at most <see cref="MaxTokens"/> ids (0 = padding, 1 = out of
/// vocabulary) fitted on the training records only, padded or cut to <see cref="SequenceLength"/>.
/// The text itself never reaches <see cref="Forward"/>: the record reader (RecordConverter) turns each
/// text into ids with the fitted <see cref="TextVectorizer"/>, which is saved with the model's feature
/// preprocessing, so prediction and evaluation take raw text. Forward and Backward pass the ids and the
/// gradient through unchanged (no parameters).
/// Spec keys: maxTokens, sequenceLength, split ("Word" or "Character").</summary>
public sealed class TextVectorization : Layer
{
    /// <summary>The longest sequence accepted (ids per text); longer ones are a configuration error.</summary>
    public const int MaxSequenceLength = 1 << 20;

    /// <summary>The largest vocabulary accepted (the Embedding table after it has MaxTokens rows).</summary>
    public const int MaxVocabulary = 1 << 24;

    public TextVectorization(int maxTokens, int sequenceLength, TextTokens split, string? name = null) : base(name)
    {
        string who = string.IsNullOrEmpty(name) ? "TextVectorization" : $"Layer '{name}' (TextVectorization)";
        if (maxTokens < 3 || maxTokens > MaxVocabulary)
            throw new InvalidConfigurationException($"{who}: -MaxTokens counts padding, out-of-vocabulary and the tokens, so it must be in [3, {MaxVocabulary:N0}] but is {maxTokens}.");
        if (sequenceLength < 1 || sequenceLength > MaxSequenceLength)
            throw new InvalidConfigurationException($"{who}: -SequenceLength must be in [1, {MaxSequenceLength:N0}] but is {sequenceLength}.");
        if (!Enum.IsDefined(split))
            throw new InvalidConfigurationException($"{who}: unknown split {(int)split}.");
        MaxTokens = maxTokens;
        SequenceLength = sequenceLength;
        Split = split;
    }

    public override string Type => "TextVectorization";

    public int MaxTokens { get; }
    public int SequenceLength { get; }
    public TextTokens Split { get; }

    /// <summary>The vocabulary fitted by training (set from the model's preprocessing; null before training).</summary>
    public TextVectorizer? Vocabulary { get; set; }

    /// <summary>The network input this layer stands for: one token id per step.</summary>
    public Shape IdsShape => new(SequenceLength);

    public override string Details => (Split == TextTokens.Words ? "words" : "characters") + $", {SequenceLength} steps, " +
        (Vocabulary is { } v ? $"vocabulary {v.VocabularySize:N0} of {MaxTokens:N0}" : $"up to {MaxTokens:N0} ids");

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank != 1 || inputShape[0] != SequenceLength)
            throw new ShapeMismatchException($"Layer '{(string.IsNullOrEmpty(Name) ? Type : Name)}' (TextVectorization) turns each text into {SequenceLength} token ids, so it must be the network's first layer with input ({SequenceLength}); the input is {inputShape}. Create the network without -InputShape (New-NeuralNetwork -Name text | Add-Layer TextVectorization ...), or with -InputShape {SequenceLength}.");
        return IdsShape;
    }

    // ids (B, L) -> the same ids (B, L)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 2 || input.Columns != SequenceLength)
            throw new ShapeMismatchException($"Layer '{Name}' (TextVectorization) expects (batch, {SequenceLength}) token ids but got {input.Shape}.");
        return input;
    }

    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true) =>
        needInputGradient ? outputGradient : null;

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name)
        .Set("maxTokens", (long)MaxTokens)
        .Set("sequenceLength", (long)SequenceLength)
        .Set("split", SplitWord(Split));

    public static string SplitWord(TextTokens split) => split == TextTokens.Characters ? "Character" : "Word";

    public static TextTokens ParseSplit(string word) =>
        string.Equals(word, "Word", StringComparison.OrdinalIgnoreCase) || string.Equals(word, "Words", StringComparison.OrdinalIgnoreCase) ? TextTokens.Words
        : string.Equals(word, "Character", StringComparison.OrdinalIgnoreCase) || string.Equals(word, "Characters", StringComparison.OrdinalIgnoreCase) ? TextTokens.Characters
        : throw new InvalidConfigurationException($"TextVectorization: -Split is 'Word' or 'Character', not '{word}'.");

    public static Layer FromSpec(LayerSpec spec) => new TextVectorization(
        spec.GetInt("maxTokens"), spec.GetInt("sequenceLength"), ParseSplit(spec.GetString("split", "Word")),
        string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
