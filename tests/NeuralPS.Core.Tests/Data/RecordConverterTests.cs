using NeuralPS.Core.Layers;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Data;

public sealed class RecordConverterTests
{
    private static Dictionary<string, object?> Row(params (string Key, object? Value)[] cells) =>
        cells.ToDictionary(c => c.Key, c => c.Value);

    private static RecordConverter Fill(RecordConverterOptions options, params Dictionary<string, object?>[] rows)
    {
        var c = new RecordConverter(options);
        foreach (var r in rows) Assert.True(c.TryAdd(r, out var e), e?.Message);
        return c;
    }

    [Fact]
    public void String_labels_map_to_sorted_indices_named_by_their_text()
    {
        var ds = Fill(new() { LabelColumn = "kind" },
            Row(("x", 1.0), ("kind", "cat")), Row(("x", 2.0), ("kind", "ant")), Row(("x", 3.0), ("kind", "bee")), Row(("x", 4.0), ("kind", "cat"))).ToDataset();
        Assert.True(ds.IsClassification);
        Assert.Equal(new[] { "ant", "bee", "cat" }, ds.ClassNames);
        Assert.Equal(new[] { 2, 0, 1, 2 }, ds.ClassLabels);
    }

    [Fact]
    public void Integer_labels_sort_numerically_and_keep_their_text()
    {
        var ds = Fill(new() { LabelColumn = "y" },
            Row(("x", 0), ("y", 10)), Row(("x", 1), ("y", "2")), Row(("x", 2), ("y", 2.0)), Row(("x", 3), ("y", 1L))).ToDataset();
        Assert.Equal(new[] { "1", "2", "10" }, ds.ClassNames);
        Assert.Equal(new[] { 2, 1, 1, 0 }, ds.ClassLabels);
    }

    [Fact]
    public void Boolean_labels_are_classes()
    {
        var ds = Fill(new() { LabelColumn = "ok" }, Row(("x", 0), ("ok", true)), Row(("x", 1), ("ok", false))).ToDataset();
        Assert.Equal(new[] { "False", "True" }, ds.ClassNames);
        Assert.Equal(new[] { 1, 0 }, ds.ClassLabels);
    }

    [Fact]
    public void Auto_task_picks_regression_for_fractional_or_many_distinct_numbers()
    {
        var fractional = Fill(new() { LabelColumn = "y" }, Row(("x", 0), ("y", "1.5")), Row(("x", 1), ("y", "2"))).ToDataset();
        Assert.False(fractional.IsClassification);
        Assert.Equal(new[] { 1.5f, 2f }, fractional.Targets!.ToArray());

        var many = new RecordConverter(new() { LabelColumn = "y" });
        for (int i = 0; i <= RecordConverter.AutoClassificationMaxClasses; i++) Assert.True(many.TryAdd(Row(("x", i), ("y", i * 3)), out _));
        Assert.True(many.IsRegression);
        Assert.False(many.ToDataset().IsClassification);

        var explicitClasses = Fill(new() { LabelColumn = "y", Task = LearningTask.Classification }, Row(("x", 0), ("y", 1.5)), Row(("x", 1), ("y", 2.5))).ToDataset();
        Assert.Equal(new[] { "1.5", "2.5" }, explicitClasses.ClassNames);
    }

    [Fact]
    public void Regression_task_rejects_a_non_numeric_label_naming_the_record()
    {
        var c = new RecordConverter(new() { LabelColumn = "price", Task = LearningTask.Regression });
        Assert.True(c.TryAdd(Row(("x", 1), ("price", 3.5)), out _));
        Assert.False(c.TryAdd(Row(("x", 1), ("price", "cheap")), out var e));
        Assert.Equal("Record 2: label property 'price' = 'cheap' is not a number (the task is regression).", e!.Message);
        Assert.Equal(2, e.RecordNumber);
        Assert.Equal("price", e.Column);
        Assert.Equal(1, c.Count);
        Assert.Equal(1, c.Rejected);
    }

    [Fact]
    public void Standardisation_is_fitted_on_the_records_and_saved_in_the_preprocessor()
    {
        var ds = Fill(new() { LabelColumn = "y" },
            Row(("a", 1.0), ("b", 10), ("y", "p")), Row(("a", 3.0), ("b", 10), ("y", "q")), Row(("a", 5.0), ("b", 10), ("y", "p"))).ToDataset();
        var pre = ds.Preprocessor!;
        Assert.Equal(new[] { "a", "b" }, pre.FeatureNames);
        Assert.Equal("y", pre.LabelName);
        Assert.Equal(3f, pre.Mean![0]);
        Assert.Equal((float)Math.Sqrt(8.0 / 3), pre.Std![0], 6);
        Assert.Equal(1f, pre.Std[1]); // constant column: std 1, maps to 0
        float s = (float)Math.Sqrt(8.0 / 3);
        Assert.Equal(new[] { -2f / s, 0f, 0f, 0f, 2f / s, 0f }, ds.Features.ToArray(), new FloatComparer(1e-6f));
    }

    [Fact]
    public void Standardisation_with_a_split_uses_only_the_training_records()
    {
        var c = new RecordConverter(new() { LabelColumn = "y" });
        for (int i = 0; i < 10; i++) Assert.True(c.TryAdd(Row(("a", (double)i * i), ("y", i % 2)), out _));
        var (train, val) = c.ToDatasets(0.3, new NeuralRandom(5));
        Assert.Equal(7, train.Count);
        Assert.Equal(3, val.Count);
        Assert.Same(train.Preprocessor, val.Preprocessor);

        // Recover the raw values of the training rows and check the fitted mean/std are theirs alone.
        var pre = train.Preprocessor!;
        var raw = train.Features.ToArray().Select(z => (double)(z * pre.Std![0] + pre.Mean![0])).ToArray();
        double mean = raw.Average();
        double std = Math.Sqrt(raw.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(mean, pre.Mean![0], 3);
        Assert.Equal(std, pre.Std![0], 3);
        Assert.NotEqual(28.5, pre.Mean[0], 1); // the mean over all ten records (0,1,4,...,81)
        double trainMean = train.Features.ToArray().Average(z => (double)z);
        Assert.Equal(0, trainMean, 5);
    }

    [Fact]
    public void The_split_matches_Dataset_Split_for_the_same_random_stream()
    {
        var c = new RecordConverter(new() { LabelColumn = "y", Standardize = false });
        for (int i = 0; i < 20; i++) Assert.True(c.TryAdd(Row(("a", i), ("y", i % 3)), out _));
        var (train, val) = c.ToDatasets(0.25, new NeuralRandom(9));
        var (train2, val2) = c.ToDataset().Split(0.25, new NeuralRandom(9));
        Assert.Equal(train2.Features.ToArray(), train.Features.ToArray());
        Assert.Equal(val2.ClassLabels, val.ClassLabels);
    }

    [Fact]
    public void Non_numeric_columns_are_one_hot_with_sorted_categories()
    {
        var ds = Fill(new() { LabelColumn = "y", Standardize = false },
            Row(("size", 1), ("color", "red"), ("y", "a")), Row(("size", 2), ("color", "blue"), ("y", "b")), Row(("size", 3), ("color", "red"), ("y", "a"))).ToDataset();
        Assert.Equal(new[] { "size", "color=blue", "color=red" }, ds.Preprocessor!.FeatureNames);
        Assert.Equal(new float[] { 1, 0, 1, 2, 1, 0, 3, 0, 1 }, ds.Features.ToArray());
        Assert.Null(ds.Preprocessor.Mean);
    }

    [Fact]
    public void One_hot_inputs_are_not_standardised()
    {
        var ds = Fill(new() { LabelColumn = "y", CategoricalColumns = new[] { "zip" } },
            Row(("zip", 1000), ("y", "a")), Row(("zip", 2000), ("y", "b"))).ToDataset();
        Assert.Equal(new[] { "zip=1000", "zip=2000" }, ds.Preprocessor!.FeatureNames);
        Assert.Equal(new float[] { 1, 0, 0, 1 }, ds.Features.ToArray());
    }

    [Fact]
    public void Feature_columns_default_to_all_but_the_label_in_record_order_and_can_be_chosen()
    {
        var all = Fill(new() { LabelColumn = "Species" }, Row(("b", 1), ("Species", "s"), ("a", 2))).FeatureColumns;
        Assert.Equal(new[] { "b", "a" }, all);
        var chosen = Fill(new() { LabelColumn = "species", FeatureColumns = new[] { "A" } }, Row(("b", 1), ("Species", "s"), ("a", 2)));
        Assert.Equal(new[] { "A" }, chosen.FeatureColumns);
        Assert.Equal(new[] { "A" }, chosen.ToDataset().Preprocessor!.FeatureNames);
    }

    [Fact]
    public void Bad_records_are_reported_with_number_and_property_and_skipped()
    {
        var c = new RecordConverter(new() { LabelColumn = "y" });
        Assert.True(c.TryAdd(Row(("a", "1"), ("b", "2"), ("y", "p")), out _));
        Assert.False(c.TryAdd(Row(("a", "1"), ("y", "p")), out var missing));
        Assert.False(c.TryAdd(Row(("a", "x1"), ("b", "2"), ("y", "p")), out var notNumber));
        Assert.False(c.TryAdd(Row(("a", "1"), ("b", "2")), out var noLabel));
        Assert.False(c.TryAdd(Row(("a", "1"), ("b", "2"), ("y", " ")), out var emptyLabel));
        Assert.False(c.TryAdd(Row(("a", "NaN"), ("b", "2"), ("y", "p")), out var nan));
        Assert.True(c.TryAdd(Row(("A", "3"), ("B", 4), ("Y", "q")), out _));

        Assert.Equal("Record 2 has no property 'b' (it has: a, y).", missing!.Message);
        Assert.Equal(("b", 2L), (missing.Column, missing.RecordNumber));
        Assert.StartsWith("Record 3: property 'a' = 'x1' is not a number", notNumber!.Message);
        Assert.Equal("Record 4 has no label property 'y' (it has: a, b).", noLabel!.Message);
        Assert.Equal("Record 5: label property 'y' is empty.", emptyLabel!.Message);
        Assert.StartsWith("Record 6: property 'a' = 'NaN' is not a number", nan!.Message);
        Assert.Equal(2, c.Count);
        Assert.Equal(5, c.Rejected);
        Assert.Equal(2, c.ToDataset().Count);
    }

    [Fact]
    public void Numbers_are_read_in_the_invariant_culture()
    {
        Assert.True(RecordValue.TryGetNumber("3.25", out double d));
        Assert.Equal(3.25, d);
        Assert.True(RecordValue.TryGetNumber(" -1e3 ", out d));
        Assert.Equal(-1000, d);
        Assert.False(RecordValue.TryGetNumber("3,25", out _));
        Assert.True(RecordValue.TryGetNumber(7m, out d));
        Assert.Equal("1", RecordValue.ToText(1.0));
        Assert.Equal("0.1", RecordValue.ToText(0.1));
    }

    [Fact]
    public void Nothing_converted_is_an_error_quoting_the_first_failure()
    {
        var c = new RecordConverter(new() { LabelColumn = "y", Name = "mine" });
        Assert.False(c.TryAdd(Row(("a", 1)), out _));
        var e = Assert.Throws<DataFormatException>(() => c.ToDataset());
        Assert.Contains("'mine'", e.Message);
        Assert.Contains("all 1 records were rejected", e.Message);
        Assert.Contains("no label property 'y'", e.Message);
    }

    [Fact]
    public void Label_cannot_also_be_a_feature()
    {
        Assert.Throws<InvalidConfigurationException>(() => new RecordConverter(new() { LabelColumn = "y", FeatureColumns = new[] { "x", "Y" } }));
    }

    [Fact]
    public void Model_mode_encodes_raw_records_with_the_saved_columns_statistics_and_classes()
    {
        var train = Fill(new() { LabelColumn = "kind" },
            Row(("w", 1.0), ("color", "red"), ("kind", "b")), Row(("w", 3.0), ("color", "blue"), ("kind", "a"))).ToDataset();
        var net = new Network("m", train.SampleShape, 1) { Preprocessor = train.Preprocessor, ClassNames = train.ClassNames };

        var eval = RecordConverter.ForEvaluation(net);
        Assert.Equal("kind", eval.LabelColumn);
        Assert.True(eval.TryAdd(Row(("W", "3"), ("color", "red"), ("kind", "A"), ("extra", "ignored")), out _));
        Assert.False(eval.TryAdd(Row(("w", 2), ("color", "green"), ("kind", "a")), out var badCategory));
        Assert.False(eval.TryAdd(Row(("w", 2), ("color", "red"), ("kind", "zebra")), out var badClass));
        var ds = eval.ToDataset();
        Assert.Equal(new[] { 0 }, ds.ClassLabels);
        Assert.Equal(new[] { 1f, 0f, 1f }, ds.Features.ToArray()); // (3-2)/1, blue=0, red=1
        Assert.Equal("Record 2: property 'color' = 'green' is not a category the model was trained with (blue, red).", badCategory!.Message);
        Assert.Equal("Record 3: label property 'kind' = 'zebra' is not one of the model's classes (a, b).", badClass!.Message);

        var predict = RecordConverter.ForPrediction(net);
        var row = new float[3];
        Assert.True(predict.TryEncode(Row(("w", 1), ("color", "blue")), row, out _));
        Assert.Equal(new[] { -1f, 1f, 0f }, row);
        Assert.False(predict.TryEncode(Row(("color", "blue")), row, out var missing));
        Assert.Equal("Record 2 has no property 'w' (it has: color).", missing!.Message);
    }

    [Fact]
    public void New_classes_mode_keeps_the_learned_features_and_fits_the_labels_anew()
    {
        var train = Fill(new() { LabelColumn = "kind" },
            Row(("w", 1.0), ("color", "red"), ("kind", "b")), Row(("w", 3.0), ("color", "blue"), ("kind", "a"))).ToDataset();
        var net = new Network("m", train.SampleShape, 1) { Preprocessor = train.Preprocessor, ClassNames = train.ClassNames };
        net.Add(new Dense(2));
        Assert.False(RecordConverter.HeadNoLongerMatchesClasses(net));
        net.RemoveLast(1);
        net.Add(new Dense(3));
        Assert.True(RecordConverter.HeadNoLongerMatchesClasses(net));

        var c = RecordConverter.ForNewClasses(net, "size");
        Assert.True(c.TryAdd(Row(("w", 3), ("color", "red"), ("size", "small")), out _));
        Assert.True(c.TryAdd(Row(("w", 1), ("color", "blue"), ("size", "large")), out _));
        Assert.True(c.TryAdd(Row(("w", 2), ("color", "blue"), ("size", "medium")), out _));
        Assert.False(c.TryAdd(Row(("w", 2), ("color", "green"), ("size", "small")), out var badCategory));
        Assert.Contains("not a category the model was trained with", badCategory!.Message);
        Assert.False(c.IsRegression);
        var ds = c.ToDataset();
        Assert.Equal(new[] { "large", "medium", "small" }, ds.ClassNames);
        Assert.Equal(new[] { 2, 0, 1 }, ds.ClassLabels);
        Assert.Equal(new[] { 1f, 0f, 1f, -1f, 1f, 0f, 0f, 1f, 0f }, ds.Features.ToArray()); // the learned scaling and categories
        Assert.Same(train.Preprocessor, ds.Preprocessor);
    }

    [Fact]
    public void A_single_output_for_two_classes_is_the_binary_form_not_a_replaced_head()
    {
        var net = new Network("b", new Shape(3), 1) { ClassNames = new[] { "no", "yes" } };
        net.Add(new Dense(1));
        Assert.False(RecordConverter.HeadNoLongerMatchesClasses(net));
    }

    [Fact]
    public void Model_mode_needs_a_network_trained_on_records()
    {
        var net = new Network("img", new Shape(4), 1) { Preprocessor = new FeaturePreprocessor(null, 1f / 255, null, null) };
        var e = Assert.Throws<InvalidConfigurationException>(() => RecordConverter.ForPrediction(net));
        Assert.Contains("not trained on records", e.Message);
    }

    [Fact]
    public void Builtin_iris_loads_as_records_and_as_a_dataset()
    {
        Assert.Equal(new[] { "Iris" }, BuiltinDatasets.Names);
        var records = BuiltinDatasets.LoadRecords("iris");
        Assert.Equal(150, records.Count);
        Assert.Equal(5.1, records[0]["SepalLength"]);
        Assert.Equal("setosa", records[0]["Species"]);

        var ds = BuiltinDatasets.Load("IRIS");
        Assert.Equal("Iris", ds.Name);
        Assert.Equal(new[] { 150, 4 }, ds.Features.Shape.ToArray());
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, ds.ClassNames);
        Assert.Equal(Enumerable.Repeat(50, 3), ds.ClassLabels!.GroupBy(l => l).Select(g => g.Count()));
        Assert.Equal("Species", ds.Preprocessor!.LabelName);
        Assert.Equal(5.8433f, ds.Preprocessor.Mean![0], 3); // sklearn's iris.rst: sepal length mean 5.84
        Assert.StartsWith("SepalLength,SepalWidth,PetalLength,PetalWidth,Species", BuiltinDatasets.ReadCsvText("Iris"));
    }

    [Fact]
    public void Unknown_builtin_dataset_lists_the_known_names()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => BuiltinDatasets.Load("Titanic"));
        Assert.Contains("'Titanic'", e.Message);
        Assert.Contains("Iris", e.Message);
    }

    private sealed class FloatComparer : IEqualityComparer<float>
    {
        private readonly float _tolerance;
        public FloatComparer(float tolerance) => _tolerance = tolerance;
        public bool Equals(float x, float y) => Math.Abs(x - y) <= _tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
