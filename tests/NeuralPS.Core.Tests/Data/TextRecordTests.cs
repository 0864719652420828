using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Robustness;
using Xunit;

namespace NeuralPS.Core.Tests.Data;

/// <summary>Records with a text property: the vocabulary is fitted on the training records only, travels in
/// the model file with the feature preprocessing, and a reloaded model reads raw text the same way; a file
/// that claims a hostile vocabulary is refused before anything is allocated for it.</summary>
public sealed class TextRecordTests
{
    private static readonly TextSettings Words = new(TextTokens.Words, SequenceLength: 6, MaxTokens: 100);

    private static Dictionary<string, object?> Row(string text, string label) => new() { ["Text"] = text, ["Label"] = label };

    private static RecordConverter Converter(TextSettings? settings = null) => new(new RecordConverterOptions
    {
        LabelColumn = "Label", TextColumn = "Text", Text = settings ?? Words,
    });

    private static Network TextNetwork(int sequenceLength = 6, int maxTokens = 100)
    {
        var n = Network.WithInputFromFirstLayer("text", 3);
        n.Add(new TextVectorization(maxTokens, sequenceLength, TextTokens.Words));
        n.Add(new Embedding(maxTokens, 4, paddingIndex: 0));
        n.Add(new GRU(5, maskZeroSteps: true));
        n.Add(new Dense(2));
        return n;
    }

    [Fact]
    public void The_vocabulary_is_fitted_on_the_training_records_only()
    {
        var c = Converter();
        var texts = new[] { "cheap pills now", "meeting at noon", "cheap cheap offer", "lunch at noon", "zebra quokka", "wombat" };
        for (int i = 0; i < texts.Length; i++) Assert.True(c.TryAdd(Row(texts[i], i % 2 == 0 ? "spam" : "ham"), out _));
        var (train, validation) = c.ToDatasets(0.5, new NeuralRandom(7));
        var column = Assert.Single(train.Preprocessor!.Columns!);
        Assert.Equal(FeatureKind.Text, column.Kind);
        var vocabulary = column.Vectorizer!.Tokens.ToHashSet();
        // Every token of a training record is known; a token that only a validation record has is not.
        for (int i = 0; i < train.Count; i++)
            for (int t = 0; t < 6; t++) Assert.NotEqual(TextVectorizer.OutOfVocabularyId, (int)train.Features.Data[i * 6 + t]);
        int unknown = 0;
        for (int i = 0; i < validation.Count * 6; i++) if ((int)validation.Features.Data[i] == TextVectorizer.OutOfVocabularyId) unknown++;
        Assert.True(unknown > 0, "validation records hold words the training records do not, so some ids must be 1 (out of vocabulary)");
        Assert.True(vocabulary.Count < texts.SelectMany(t => t.Split(' ')).Distinct().Count());
        Assert.Equal(new[] { "ham", "spam" }, train.ClassNames);
        Assert.Equal(6, train.Features.Columns);
    }

    [Fact]
    public void A_text_model_saved_and_loaded_reads_raw_text_as_before()
    {
        var c = Converter();
        Assert.True(c.TryAdd(Row("Buy cheap pills now, cheap!", "spam"), out _));
        Assert.True(c.TryAdd(Row("The meeting is at noon", "ham"), out _));
        var data = c.ToDataset();
        var net = TextNetwork();
        net.Preprocessor = data.Preprocessor;
        net.ClassNames = data.ClassNames;
        Assert.Same(data.Preprocessor!.Columns![0].Vectorizer, ((TextVectorization)net.Layers[0]).Vocabulary);

        using var stream = new MemoryStream();
        ModelFile.Save(net, stream);
        stream.Position = 0;
        var loaded = ModelFile.Load(stream, "text.npsm");
        var layer = Assert.IsType<TextVectorization>(loaded.Layers[0]);
        Assert.Equal((100, 6, TextTokens.Words), (layer.MaxTokens, layer.SequenceLength, layer.Split));
        Assert.Equal(data.Preprocessor.Columns[0].Vectorizer!.Tokens, layer.Vocabulary!.Tokens);

        var raw = new Dictionary<string, object?> { ["text"] = "cheap meeting tomorrow" };
        var before = new float[6];
        var after = new float[6];
        Assert.True(RecordConverter.ForPrediction(net).TryEncode(raw, before, out _));
        Assert.True(RecordConverter.ForPrediction(loaded).TryEncode(raw, after, out _));
        Assert.Equal(before, after);
        Assert.Equal(new float[] { layer.Vocabulary.IdOf("cheap"), layer.Vocabulary.IdOf("meeting"), 1, 0, 0, 0 }, after);
    }

    [Fact]
    public void A_model_file_claiming_a_huge_vocabulary_is_refused_before_allocating_it()
    {
        var c = Converter();
        Assert.True(c.TryAdd(Row("a b c", "x"), out _));
        Assert.True(c.TryAdd(Row("d e", "y"), out _));
        var data = c.ToDataset();
        var net = TextNetwork();
        net.Preprocessor = data.Preprocessor;
        net.ClassNames = data.ClassNames;
        var sections = HostileFiles.SectionsOf(net);
        int at = sections.FindIndex(s => s.Tag == ModelFile.PreprocessorTag);

        // The text column's vocabulary claims 500 million tokens in a section of a few bytes.
        var w = new ModelBinaryWriter();
        w.WriteBool(true);
        w.WriteStrings(Enumerable.Range(1, 6).Select(i => $"Text[{i}]").ToArray());
        w.WriteSingle(1f);
        w.WriteBool(false);
        w.WriteBool(true);
        w.WriteInt32(1);
        w.WriteString("Text");
        w.WriteByte(2);
        w.WriteByte(0);
        w.WriteInt32(6);
        w.WriteInt32(100);
        w.WriteInt32(500_000_000);
        sections[at] = new ModelSection(ModelFile.PreprocessorTag, true, w.ToArray());
        var file = HostileFiles.Container(sections);
        long allocated = HostileFiles.AllocatedBy(() => ModelFile.Load(new MemoryStream(file), "hostile.npsm"), out var error);
        Assert.Contains("vocabulary", Assert.IsType<ModelFileException>(error).Message);
        Assert.True(allocated < 16L * file.Length + (1 << 20), $"loading allocated {allocated:N0} bytes for a {file.Length:N0}-byte file");

        // A cap or a length beyond the limits, and more tokens than the cap allows, are refused too.
        foreach (var (sequence, cap, tokens) in new[] { (6, int.MaxValue, 0), (int.MaxValue, 100, 0), (6, 3, 2) })
        {
            var v = new ModelBinaryWriter();
            v.WriteBool(true);
            v.WriteStrings(Enumerable.Range(1, 6).Select(i => $"Text[{i}]").ToArray());
            v.WriteSingle(1f);
            v.WriteBool(false);
            v.WriteBool(true);
            v.WriteInt32(1);
            v.WriteString("Text");
            v.WriteByte(2);
            v.WriteByte(0);
            v.WriteInt32(sequence);
            v.WriteInt32(cap);
            v.WriteStrings(Enumerable.Range(0, tokens).Select(i => $"t{i}").ToArray());
            sections[at] = new ModelSection(ModelFile.PreprocessorTag, true, v.ToArray());
            Assert.Throws<ModelFileException>(() => ModelFile.Load(new MemoryStream(HostileFiles.Container(sections)), "bad.npsm"));
        }
    }

    [Fact]
    public void TextVectorization_is_the_first_layer_and_defines_the_input()
    {
        var n = Network.WithInputFromFirstLayer("t", 1);
        Assert.True(n.InputFromFirstLayer);
        Assert.Contains("TextVectorization", Assert.Throws<InvalidConfigurationException>(() => n.Add(new Dense(2))).Message);
        Assert.Empty(n.Layers);
        n.Add(new TextVectorization(50, 9, TextTokens.Characters));
        Assert.Equal(new Shape(9), n.InputShape);
        Assert.False(n.InputFromFirstLayer);
        Assert.Contains("first layer", Assert.Throws<InvalidConfigurationException>(() => n.Add(new TextVectorization(50, 9, TextTokens.Words))).Message);

        // With an explicit input shape, the lengths must agree.
        var fixedInput = new Network("f", new Shape(8), 1);
        Assert.Throws<ShapeMismatchException>(() => fixedInput.Add(new TextVectorization(50, 9, TextTokens.Words)));
        fixedInput.Add(new TextVectorization(50, 8, TextTokens.Words));
        Assert.Equal(new Shape(8), fixedInput.OutputShape);

        Assert.Throws<InvalidConfigurationException>(() => new TextVectorization(2, 9, TextTokens.Words));
        Assert.Throws<InvalidConfigurationException>(() => new TextVectorization(50, 0, TextTokens.Words));
    }

    [Fact]
    public void A_text_column_must_be_the_only_feature_and_not_the_label()
    {
        Assert.Throws<InvalidConfigurationException>(() => new RecordConverter(new RecordConverterOptions { LabelColumn = "Text", TextColumn = "Text", Text = Words }));
        Assert.Throws<InvalidConfigurationException>(() => new RecordConverter(new RecordConverterOptions { LabelColumn = "Label", TextColumn = "Text", Text = Words, FeatureColumns = new[] { "Text", "Other" } }));
        Assert.Throws<InvalidConfigurationException>(() => new RecordConverter(new RecordConverterOptions { LabelColumn = "Label", TextColumn = "Text" }));
        var c = Converter();
        Assert.False(c.TryAdd(new Dictionary<string, object?> { ["Label"] = "x" }, out var error));
        Assert.Contains("'Text'", error!.Message);
    }
}
