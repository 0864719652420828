using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Data;

/// <summary>Text into token ids for an Embedding, and a character-level recurrent classifier trained on
/// real words: the language (English, German, French) of words from Debian's word lists in /usr/share/dict
/// (wamerican, wngerman, wfrench; read in place, not copied: the German and French lists are GPL-2+).
/// The training test is skipped, saying which list is missing, on a machine without them.</summary>
public sealed class TextVectorizerTests
{
    private readonly ITestOutputHelper _output;
    public TextVectorizerTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Words_are_lower_cased_runs_of_letters_digits_and_apostrophes()
    {
        Assert.Equal(new[] { "don't", "stop", "me", "now", "1979", "über", "été" },
            TextVectorizer.Tokenize("Don't stop me — now! (1979) Über, ÉTÉ.", TextTokens.Words));
        Assert.Equal(new[] { "a", "b", " ", "é" }, TextVectorizer.Tokenize("aB É", TextTokens.Characters));
    }

    [Fact]
    public void The_vocabulary_is_fitted_on_the_training_texts_by_frequency_with_padding_and_unknown_ids()
    {
        var v = TextVectorizer.Fit(new[] { "the cat sat", "the dog sat on the mat" }, TextTokens.Words, sequenceLength: 5, maxTokens: 5);
        Assert.Equal(new[] { "the", "sat", "cat" }, v.Tokens);   // 3 the, 2 sat, then ties in ordinal order
        Assert.Equal(5, v.VocabularySize);
        Assert.Equal(new float[] { 2, 4, 3, 1, 0 }, v.Transform("The cat sat quietly"));         // quietly: unknown, then padding
        Assert.Equal(new float[] { 2, 1, 1, 2, 1 }, v.Transform("the dog on the mat and more")); // cut after 5
        Assert.Equal(new float[5], v.Transform(null));
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        Assert.Throws<InvalidConfigurationException>(() => TextVectorizer.Fit(new[] { "a" }, TextTokens.Words, 0));
        Assert.Throws<InvalidConfigurationException>(() => TextVectorizer.Fit(new[] { "a" }, TextTokens.Words, 4, maxTokens: 2));
    }

    private static readonly string[] Lists = { "/usr/share/dict/american-english", "/usr/share/dict/ngerman", "/usr/share/dict/french" };

    public sealed class WordListsFactAttribute : FactAttribute
    {
        public WordListsFactAttribute()
        {
            var missing = Lists.Where(p => !File.Exists(p)).ToArray();
            if (missing.Length > 0) Skip = $"Debian word lists not installed ({string.Join(", ", missing)}): apt-get install wamerican wngerman wfrench";
        }
    }

    private static T[] Shuffled<T>(T[] items, NeuralRandom rng)
    {
        var order = Enumerable.Range(0, items.Length).ToArray();
        rng.Shuffle(order);
        return order.Select(i => items[i]).ToArray();
    }

    [WordListsFact]
    public void Character_level_gru_tells_the_language_of_a_word()
    {
        const int perLanguage = 2000, length = 12;
        var rng = new NeuralRandom(12);
        var words = new List<(string Word, int Language)>();
        for (int language = 0; language < Lists.Length; language++)
        {
            // Lower-case words without possessives, of 4..12 letters, a seeded sample of each list.
            var pool = File.ReadLines(Lists[language]).Where(w => w.Length is >= 4 and <= length && !w.Contains('\'') && w == w.ToLowerInvariant())
                .Distinct().ToArray();
            words.AddRange(Shuffled(pool, rng).Take(perLanguage).Select(w => (w, language)));
        }
        var all = Shuffled(words.ToArray(), rng);
        int trainCount = all.Length * 4 / 5;
        var vectorizer = TextVectorizer.Fit(all.Take(trainCount).Select(w => w.Word), TextTokens.Characters, length, maxTokens: 100);
        Dataset Make(IEnumerable<(string Word, int Language)> items, string name)
        {
            var list = items.ToArray();
            var x = new Tensor(new Shape(list.Length, length));
            for (int i = 0; i < list.Length; i++) vectorizer.Transform(list[i].Word, x.Data.AsSpan(i * length, length));
            return new Dataset(x, list.Select(w => w.Language).ToArray(), null, new[] { "English", "German", "French" }, name);
        }
        var train = Make(all.Take(trainCount), "words (train)");
        var test = Make(all.Skip(trainCount), "words (test)");

        var net = new Network("language", new Shape(length), 5)
            .Add(new Embedding(vectorizer.VocabularySize, 16, paddingIndex: TextVectorizer.PaddingId))
            .Add(new GRU(32, bidirectional: true, maskZeroSteps: true))
            .Add(new Dense(3));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 8, BatchSize = 32, LearningRate = 0.005, Seed = 5 });
        var history = trainer.Fit(train).ToList();
        var (loss, accuracy) = trainer.Evaluate(test);
        _output.WriteLine($"language of a word: {vectorizer.VocabularySize} character ids, {train.Count} training words, test accuracy {accuracy:P1} on {test.Count} (loss {loss:F3}); train loss {history[0].Loss:F3} -> {history[^1].Loss:F3}");
        Assert.True(accuracy >= 0.75, $"test accuracy {accuracy:P1} (chance 33%)");
    }
}
