using NeuralPS.Core.Data;

namespace NeuralPS.Core.Serialization;

/// <summary>Encodes a <see cref="FeaturePreprocessor"/>: feature names, scale, standardisation statistics,
/// record columns (numeric or categorical with categories) and the label column name.</summary>
internal static class PreprocessorCodec
{
    private const byte KindNumeric = 0, KindCategorical = 1, KindText = 2;

    public static void Write(ModelBinaryWriter w, FeaturePreprocessor p)
    {
        w.WriteBool(p.FeatureNames is not null);
        if (p.FeatureNames is not null) w.WriteStrings(p.FeatureNames);
        w.WriteSingle(p.Scale);
        w.WriteBool(p.Mean is not null);
        if (p.Mean is not null)
        {
            w.WriteSingles(p.Mean);
            w.WriteSingles(p.Std!);
        }
        w.WriteBool(p.Columns is not null);
        if (p.Columns is not null)
        {
            w.WriteInt32(p.Columns.Count);
            foreach (var c in p.Columns)
            {
                w.WriteString(c.Name);
                w.WriteByte(c.Kind switch { FeatureKind.Categorical => KindCategorical, FeatureKind.Text => KindText, _ => KindNumeric });
                if (c.Kind == FeatureKind.Categorical) w.WriteStrings(c.Categories!);
                if (c.Vectorizer is { } v)
                {
                    // Text (written only by models with a TextVectorization layer, so older files never hold it).
                    w.WriteByte((byte)v.Mode);
                    w.WriteInt32(v.SequenceLength);
                    w.WriteInt32(v.MaxTokens);
                    w.WriteStrings(v.Tokens);
                }
            }
        }
        w.WriteBool(p.LabelName is not null);
        if (p.LabelName is not null) w.WriteString(p.LabelName);
    }

    public static FeaturePreprocessor Read(ModelBinaryReader r)
    {
        string[]? names = r.ReadBool("the feature-names flag") ? r.ReadStrings("the feature names") : null;
        float scale = r.ReadSingle("the feature scale");
        float[]? mean = null, std = null;
        if (r.ReadBool("the standardisation flag"))
        {
            mean = r.ReadSingles("the feature means");
            std = r.ReadSingles("the feature standard deviations");
        }
        FeatureColumn[]? columns = null;
        if (r.ReadBool("the record-columns flag"))
        {
            columns = new FeatureColumn[r.ReadCount("the record columns", 5)];
            for (int i = 0; i < columns.Length; i++)
            {
                string name = r.ReadString("a record column name");
                byte kind = r.ReadByte($"the kind of column '{name}'");
                columns[i] = kind switch
                {
                    KindNumeric => Guard(r, () => new FeatureColumn(name)),
                    KindCategorical => Guard(r, () => new FeatureColumn(name, r.ReadStrings($"the categories of column '{name}'"))),
                    KindText => ReadText(r, name),
                    _ => throw r.Error($"column '{name}' has unknown kind {kind}"),
                };
            }
        }
        string? label = r.ReadBool("the label-name flag") ? r.ReadString("the label name") : null;
        r.ExpectEnd();

        return Guard(r, () =>
        {
            if (columns is null) return new FeaturePreprocessor(names, scale, mean, std) { LabelName = label };
            var p = new FeaturePreprocessor(columns, mean, std, label);
            if (scale != 1f || names is null || !names.SequenceEqual(p.FeatureNames!))
                throw r.Error("the feature names do not match the record columns");
            return p;
        });
    }

    // The vocabulary's size is checked against the bytes that remain before anything is allocated
    // (ReadStrings: 4 bytes per token at least), and the cap and sequence length against their limits.
    private static FeatureColumn ReadText(ModelBinaryReader r, string name)
    {
        byte mode = r.ReadByte($"the split of text column '{name}'");
        int sequenceLength = r.ReadInt32($"the sequence length of text column '{name}'");
        int maxTokens = r.ReadInt32($"the vocabulary cap of text column '{name}'");
        if (mode > (byte)TextTokens.Characters) throw r.Error($"text column '{name}' has unknown split {mode}");
        if (sequenceLength < 1 || sequenceLength > Layers.TextVectorization.MaxSequenceLength)
            throw r.Error($"text column '{name}' has sequence length {sequenceLength}, outside [1, {Layers.TextVectorization.MaxSequenceLength:N0}]");
        if (maxTokens < 3 || maxTokens > Layers.TextVectorization.MaxVocabulary)
            throw r.Error($"text column '{name}' has a vocabulary cap of {maxTokens}, outside [3, {Layers.TextVectorization.MaxVocabulary:N0}]");
        var tokens = r.ReadStrings($"the vocabulary of text column '{name}'");
        return Guard(r, () => new FeatureColumn(name, TextVectorizer.FromVocabulary((TextTokens)mode, sequenceLength, maxTokens, tokens)));
    }

    private static T Guard<T>(ModelBinaryReader r, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is InvalidConfigurationException or ArgumentException)
        {
            throw r.Error($"the feature preprocessing is invalid: {e.Message}");
        }
    }
}
