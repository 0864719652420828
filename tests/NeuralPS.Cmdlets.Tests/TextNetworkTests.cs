using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Text networks behind the cmdlets: Add-Layer TextVectorization maps onto the engine's spec, an
/// Embedding after it takes its vocabulary, Invoke-Training finds the text property (or refuses, naming the
/// candidates), and a trained network predicts and measures raw text records.</summary>
public sealed class TextNetworkTests
{
    private static void Add(Network n, string type, LayerParameters p) => NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build(type, p));

    private static Network TextNetwork(int length = 5, int maxTokens = 40)
    {
        var n = NetworkBuilder.CreateForFirstLayer("words", 2);
        Add(n, "TextVectorization", new LayerParameters { MaxTokens = maxTokens, SequenceLength = length, Split = "word" });
        Add(n, "Embedding", new LayerParameters { Dimensions = 8 });
        Add(n, "GRU", new LayerParameters { Units = 16, MaskZeroSteps = true });
        Add(n, "Dense", new LayerParameters { Units = 2 });
        return n;
    }

    [Fact]
    public void TextVectorization_parameters_map_to_the_spec_with_Keras_defaults()
    {
        var spec = LayerSpecBuilder.Build("textvectorization", new LayerParameters { MaxTokens = 500, SequenceLength = 30, Split = "character" });
        Assert.Equal(("TextVectorization", 500L, 30L, "Character"), (spec.Type, spec.Settings["maxTokens"], spec.Settings["sequenceLength"], spec.Settings["split"]));
        var defaults = LayerSpecBuilder.Build("TextVectorization", new LayerParameters());
        Assert.Equal((20000L, "Word"), (defaults.Settings["maxTokens"], defaults.Settings["split"]));
        Assert.False(defaults.Has("sequenceLength"));
        Assert.Contains("-MaxTokens", Assert.Throws<InvalidConfigurationException>(() => LayerSpecBuilder.Build("TextVectorization", new LayerParameters { MaxTokens = 2 })).Message);
        Assert.Contains("-Split", Assert.Throws<InvalidConfigurationException>(() => LayerSpecBuilder.Build("TextVectorization", new LayerParameters { Split = "Sentence" })).Message);
        Assert.Contains("-Units", Assert.Throws<InvalidConfigurationException>(() => LayerSpecBuilder.Build("TextVectorization", new LayerParameters { Units = 3 })).Message);
    }

    [Fact]
    public void A_network_without_an_input_shape_takes_it_from_TextVectorization_and_the_Embedding_its_vocabulary()
    {
        var n = TextNetwork(length: 7, maxTokens: 40);
        Assert.Equal(new Shape(7), n.InputShape);
        var embedding = Assert.IsType<Embedding>(n.Layers[1]);
        Assert.Equal((40, 8, 0), (embedding.VocabularySize, embedding.Dimensions, embedding.PaddingIndex));
        Assert.Equal(new Shape(2), n.OutputShape);

        // -SequenceLength may come from -InputShape; without either it is asked for.
        var fromShape = NetworkBuilder.Create("s", new[] { 12 }, 1);
        Add(fromShape, "TextVectorization", new LayerParameters());
        Assert.Equal(12, ((TextVectorization)fromShape.Layers[0]).SequenceLength);
        var neither = NetworkBuilder.CreateForFirstLayer("n", 1);
        Assert.Contains("-SequenceLength", Assert.Throws<InvalidConfigurationException>(() => Add(neither, "TextVectorization", new LayerParameters())).Message);
        Assert.Contains("-InputShape", Assert.Throws<InvalidConfigurationException>(() => Add(neither, "Dense", new LayerParameters { Units = 2 })).Message);

        // An Embedding elsewhere still needs -VocabularySize.
        var ids = NetworkBuilder.Create("ids", new[] { 12 }, 1);
        Assert.Contains("-VocabularySize", Assert.Throws<InvalidConfigurationException>(() => Add(ids, "Embedding", new LayerParameters { Dimensions = 4 })).Message);
        Assert.Empty(ids.Layers);
    }

    private static RecordView Mail(string text, string label) => Records.Of(("Subject", text), ("Label", label));

    private static (List<RecordView> Train, List<RecordView> Test) Mails()
    {
        string[] spam = { "cheap pills now", "win a free prize now", "free money offer", "cheap offer click now", "claim your free prize", "money now click" };
        string[] ham = { "meeting at noon", "notes from the meeting", "lunch on friday", "the report is attached", "see you at lunch", "friday report notes" };
        var train = new List<RecordView>();
        for (int r = 0; r < 4; r++)
            for (int i = 0; i < spam.Length; i++) { train.Add(Mail(spam[i], "spam")); train.Add(Mail(ham[i], "ham")); }
        var test = new List<RecordView> { Mail("free prize offer now", "spam"), Mail("notes for the friday meeting", "ham"), Mail("click for cheap money", "spam"), Mail("lunch meeting at noon", "ham") };
        return (train, test);
    }

    [Fact]
    public void Text_records_train_and_the_network_measures_and_predicts_raw_text()
    {
        var (train, test) = Mails();
        var net = TextNetwork();
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 30, BatchSize = 8, LearningRate = 0.01 },
            LabelProperty = "Label",
        });
        foreach (var r in train) Assert.Null(cmd.AddRecord(r));
        var sink = new RecordingSink();
        cmd.Run(sink, CancellationToken.None);
        Assert.Contains(sink.VerboseLines, l => l.Contains("'Subject' is the text", StringComparison.Ordinal));
        Assert.Contains(sink.VerboseLines, l => l.Contains("Column 'Subject' is text", StringComparison.Ordinal));
        var vocabulary = ((TextVectorization)net.Layers[0]).Vocabulary!;
        Assert.Contains("prize", vocabulary.Tokens);
        Assert.DoesNotContain("for", vocabulary.Tokens); // only the test records have it

        var eval = new EvaluationCommand(net);
        foreach (var r in test) Assert.Null(eval.AddRecord(r));
        var report = Assert.IsType<ClassificationReport>(eval.Run());
        Assert.Equal(1.0, report.Accuracy);

        var predict = new PredictionCommand(net, batchSize: 2);
        var outcomes = predict.Add(Records.Of(("Subject", "free money prize"))).Concat(predict.Add(Records.Of(("Subject", "meeting notes")))).ToList();
        Assert.Equal(new object?[] { "spam", "ham" }, outcomes.Select(o => o.Columns!.First(c => c.Key == "PredictedLabel").Value));
    }

    [Fact]
    public void A_text_network_names_the_text_property_or_refuses_naming_the_candidates()
    {
        var several = new TrainingCommand(TextNetwork(), new TrainingSettings { Options = new TrainingOptions { Epochs = 1 }, LabelProperty = "Label" });
        var e = Assert.Throws<InvalidConfigurationException>(() => several.AddRecord(Records.Of(("Subject", "hi"), ("Body", "there"), ("Label", "ham"))));
        Assert.Contains("Subject, Body", e.Message);
        Assert.Contains("-FeatureProperty", e.Message);

        var two = new TrainingCommand(TextNetwork(), new TrainingSettings { Options = new TrainingOptions { Epochs = 1 }, LabelProperty = "Label", FeatureProperties = new[] { "Subject", "Body" } });
        Assert.Throws<InvalidConfigurationException>(() => two.AddRecord(Records.Of(("Subject", "hi"), ("Body", "there"), ("Label", "ham"))));

        var chosen = new TrainingCommand(TextNetwork(), new TrainingSettings { Options = new TrainingOptions { Epochs = 1 }, LabelProperty = "Label", FeatureProperties = new[] { "Body" } });
        Assert.Null(chosen.AddRecord(Records.Of(("Subject", "hi"), ("Body", "there"), ("Label", "ham"))));
        var missing = chosen.AddRecord(Records.Of(("Subject", "hi"), ("Label", "ham")));
        Assert.Contains("'Body'", missing!.Message);
    }
}
