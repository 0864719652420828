using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Serialization;
using Xunit;

namespace NeuralPS.Core.Tests.Metrics;

public sealed class MetricsTests
{
    // Hand-computed: actual [0,0,1,1,2,2], predicted [0,1,1,1,2,0].
    // Confusion rows (actual) → columns (predicted): [1,1,0] [0,2,0] [1,0,1].
    // class 0: P 1/2, R 1/2, F1 1/2; class 1: P 2/3, R 1, F1 0.8; class 2: P 1, R 1/2, F1 2/3.
    [Fact]
    public void Classification_report_matches_a_hand_computed_example()
    {
        var r = ClassificationReport.Compute(new[] { 0, 0, 1, 1, 2, 2 }, new[] { 0, 1, 1, 1, 2, 0 }, new[] { "a", "b", "c" }, 0.25);
        Assert.Equal(4.0 / 6, r.Accuracy, 12);
        Assert.Equal(6, r.Count);
        Assert.Equal(0.25, r.Loss);
        Assert.Equal("Classification", r.Task);
        Assert.Equal(new[] { 0.5, 2.0 / 3, 1.0 }, r.Classes.Select(c => c.Precision), new Tolerance(1e-12));
        Assert.Equal(new[] { 0.5, 1.0, 0.5 }, r.Classes.Select(c => c.Recall), new Tolerance(1e-12));
        Assert.Equal(new[] { 0.5, 0.8, 2.0 / 3 }, r.Classes.Select(c => c.F1), new Tolerance(1e-12));
        Assert.Equal(new[] { 2, 2, 2 }, r.Classes.Select(c => c.Support));
        Assert.Equal((0.5 + 2.0 / 3 + 1) / 3, r.MacroPrecision, 12);
        Assert.Equal(2.0 / 3, r.MacroRecall, 12);
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, r.MacroF1, 12);
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, r.WeightedF1, 12);
        var m = r.ConfusionMatrix;
        Assert.Equal(new[,] { { 1, 1, 0 }, { 0, 2, 0 }, { 1, 0, 1 } }, m.ToArray());
        Assert.Equal(1, m.Rows[2]["a"]);
        Assert.Equal("c", m.Rows[2].Actual);
        Assert.Contains("actual \\ predicted", m.ToString());
    }

    [Fact]
    public void Absent_classes_score_zero_and_stay_out_of_macro_averages()
    {
        var r = ClassificationReport.Compute(new[] { 0, 0, 1, 1, 2, 2 }, new[] { 0, 1, 1, 1, 2, 0 }, new[] { "a", "b", "c", "d" });
        var d = r.Classes[3];
        Assert.Equal((0.0, 0.0, 0.0, 0, 0), (d.Precision, d.Recall, d.F1, d.Support, d.Predicted));
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, r.MacroF1, 12);
        Assert.True(double.IsNaN(ClassificationReport.Compute(new[] { 0 }, new[] { 0 }, new[] { "a" }).Loss));
    }

    // actual [1,2,3,4], predicted [1.5,2,2,5]: errors 0.5, 0, −1, 1 → MAE 0.625, MSE 0.5625, RMSE 0.75;
    // mean 2.5, SS_tot 5, SS_res 2.25 → R² 0.55.
    [Fact]
    public void Regression_report_matches_a_hand_computed_example()
    {
        var r = RegressionReport.Compute(new float[] { 1, 2, 3, 4 }, new float[] { 1.5f, 2, 2, 5 }, 1);
        Assert.Equal(0.625, r.MAE, 12);
        Assert.Equal(0.5625, r.Loss, 12);
        Assert.Equal(0.75, r.RMSE, 12);
        Assert.Equal(0.55, r.R2, 12);
        Assert.Equal("MeanSquaredError", r.LossName);
    }

    [Fact]
    public void R_squared_averages_outputs_and_handles_constant_targets()
    {
        // output 0 constant and exact → 1; output 1 as the example above but interleaved → 0.55.
        var r = RegressionReport.Compute(new float[] { 7, 1, 7, 2, 7, 3, 7, 4 }, new float[] { 7, 1.5f, 7, 2, 7, 2, 7, 5 }, 2);
        Assert.Equal(new[] { 1.0, 0.55 }, r.RSquaredPerOutput, new Tolerance(1e-12));
        Assert.Equal(0.775, r.R2, 12);
        Assert.Equal(0, RegressionReport.Compute(new float[] { 3, 3 }, new float[] { 3, 4 }, 1).R2);
    }

    /// <summary>A classifier that ignores its input: logits log(0.2), log(0.3), log(0.5) for every sample.</summary>
    private static Network ConstantClassifier(bool softmaxLayer = false)
    {
        var net = new Network("const", new Shape(2), 1) { ClassNames = new[] { "a", "b", "c" } };
        var dense = new TestDense(3);
        net.Add(dense);
        dense.Weight.Value.Clear();
        dense.Bias.Value[0] = MathF.Log(0.2f);
        dense.Bias.Value[1] = MathF.Log(0.3f);
        dense.Bias.Value[2] = MathF.Log(0.5f);
        if (softmaxLayer) net.Add(new Activation(ActivationKind.Softmax));
        return net;
    }

    private static Dataset Samples(int[] labels)
    {
        var rng = new NeuralRandom(3);
        var x = new Tensor(labels.Length, 2);
        for (int i = 0; i < x.Size; i++) x[i] = (float)rng.NextGaussian();
        return new Dataset(x, labels, null, new[] { "a", "b", "c" }, "samples");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evaluator_computes_cross_entropy_and_accuracy_from_logits_or_softmax_outputs(bool softmaxLayer)
    {
        var report = Assert.IsType<ClassificationReport>(ModelEvaluator.Evaluate(ConstantClassifier(softmaxLayer), Samples(new[] { 2, 0, 1 }), batchSize: 2));
        Assert.Equal(1.0 / 3, report.Accuracy, 12);
        Assert.Equal(-(Math.Log(0.5) + Math.Log(0.2) + Math.Log(0.3)) / 3, report.Loss, 5);
        Assert.Equal("CrossEntropy", report.LossName);
        Assert.Equal(new[] { 0, 0, 3 }, report.Classes.Select(c => c.Predicted));
    }

    [Fact]
    public void Batch_size_does_not_change_the_report()
    {
        var net = new Network("n", new Shape(2), 7) { ClassNames = new[] { "a", "b", "c" } };
        net.Add(new Dense(3));
        var data = Samples(new[] { 0, 1, 2, 0, 1, 2, 2 });
        var one = (ClassificationReport)ModelEvaluator.Evaluate(net, data, batchSize: 1);
        var all = (ClassificationReport)ModelEvaluator.Evaluate(net, data, batchSize: 256);
        Assert.Equal(all.Accuracy, one.Accuracy);
        Assert.Equal(all.Loss, one.Loss, 6);
        Assert.Equal(all.ConfusionMatrix.ToArray(), one.ConfusionMatrix.ToArray());
    }

    [Fact]
    public void Predictor_returns_label_probability_and_all_probabilities()
    {
        var predictions = new Predictor(ConstantClassifier()).Predict(Samples(new[] { 0, 1 }));
        Assert.Equal(2, predictions.Count);
        var p = predictions[1];
        Assert.Equal(1, p.Index);
        Assert.Equal("c", p.Label);
        Assert.Equal(2, p.ClassIndex);
        Assert.Equal(0.5, p.Probability, 6);
        Assert.Equal(new[] { 0.2, 0.3, 0.5 }, p.Probabilities!, new Tolerance(1e-6));
        Assert.Null(p.Values);
    }

    [Fact]
    public void Binary_classifier_with_one_output_uses_the_sigmoid()
    {
        var net = new Network("bin", new Shape(2), 1) { ClassNames = new[] { "no", "yes" } };
        var dense = new TestDense(1);
        net.Add(dense);
        dense.Weight.Value.Clear();
        dense.Bias.Value[0] = MathF.Log(0.7f / 0.3f);
        var p = new Predictor(net).Predict(Samples(new[] { 0 }))[0];
        Assert.Equal("yes", p.Label);
        Assert.Equal(0.7, p.Probability, 6);
        var data = new Dataset(Samples(new[] { 0 }).Features, new[] { 0 }, null, new[] { "no", "yes" });
        var report = (ClassificationReport)ModelEvaluator.Evaluate(net, data);
        Assert.Equal(-Math.Log(0.3), report.Loss, 5);
        Assert.Equal("BinaryCrossEntropy", report.LossName);
        Assert.Equal(0, report.Accuracy);
    }

    [Fact]
    public void Regression_evaluation_and_prediction_use_the_raw_outputs()
    {
        var net = new Network("reg", new Shape(2), 1);
        var dense = new TestDense(1);
        net.Add(dense);
        dense.Weight.Value[0] = 1;
        dense.Weight.Value[1] = 0;
        dense.Bias.Value[0] = 0;
        var x = Tensor.FromArray(new Shape(4, 2), new float[] { 1.5f, 9, 2, 9, 2, 9, 5, 9 });
        var y = Tensor.FromArray(new Shape(4, 1), new float[] { 1, 2, 3, 4 });
        var report = Assert.IsType<RegressionReport>(ModelEvaluator.Evaluate(net, new Dataset(x, null, y)));
        Assert.Equal(0.625, report.MAE, 6);
        Assert.Equal(0.55, report.R2, 6);
        var p = new Predictor(net).Predict(x)[3];
        Assert.Null(p.Label);
        Assert.Equal(5.0, p.Value);
        Assert.True(double.IsNaN(p.Probability));
    }

    [Fact]
    public void PredictRaw_applies_the_saved_preprocessing()
    {
        var net = new Network("scaled", new Shape(2), 1) { Preprocessor = new FeaturePreprocessor(null, 0.5f, null, null) };
        var dense = new TestDense(1);
        net.Add(dense);
        dense.Weight.Value[0] = 1;
        dense.Weight.Value[1] = 1;
        dense.Bias.Value[0] = 0;
        Assert.Equal(3.0, new Predictor(net).PredictRaw(new[] { new float[] { 2, 4 } })[0].Value);
        Assert.Throws<ShapeMismatchException>(() => new Predictor(net).PredictRaw(new[] { new float[] { 1 } }));
    }

    [Fact]
    public void Mismatched_data_is_refused_with_both_sides_named()
    {
        var classifier = ConstantClassifier();
        var tooManyClasses = new Dataset(Samples(new[] { 0 }).Features, new[] { 3 }, null, new[] { "a", "b", "c", "d" }, "four");
        var e = Assert.Throws<InvalidConfigurationException>(() => ModelEvaluator.Evaluate(classifier, tooManyClasses));
        Assert.Contains("class 3 ('d')", e.Message);
        Assert.Contains("knows 3 classes", e.Message);

        var targets = new Dataset(Samples(new[] { 0 }).Features, null, new Tensor(1, 1), null, "t");
        Assert.Contains("is a classifier", Assert.Throws<InvalidConfigurationException>(() => ModelEvaluator.Evaluate(classifier, targets)).Message);

        var wide = new Dataset(new Tensor(2, 5), new[] { 0, 1 }, null, new[] { "a", "b", "c" }, "wide");
        var s = Assert.Throws<ShapeMismatchException>(() => ModelEvaluator.Evaluate(classifier, wide));
        Assert.Contains("(2,)", s.Message);
        Assert.Contains("(5,)", s.Message);

        var unlabelled = new Dataset(new Tensor(2, 2), null, null, null, "bare");
        Assert.Contains("no labels", Assert.Throws<InvalidConfigurationException>(() => ModelEvaluator.Evaluate(classifier, unlabelled)).Message);
    }

    private sealed class Tolerance : IEqualityComparer<double>
    {
        private readonly double _tolerance;
        public Tolerance(double tolerance) => _tolerance = tolerance;
        public bool Equals(double x, double y) => Math.Abs(x - y) <= _tolerance;
        public int GetHashCode(double obj) => 0;
    }
}

public sealed class OutputDecoderTests
{
    [Fact]
    public void Classes_missing_from_the_names_are_named_by_index_and_too_many_names_are_refused()
    {
        var net = new Network("n", new Shape(2), 1) { ClassNames = new[] { "a", "b" } };
        net.Add(new Dense(4));
        Assert.Equal(new[] { "a", "b", "2", "3" }, new Predictor(net).ClassNames);
        net.ClassNames = new[] { "a", "b", "c", "d", "e" };
        Assert.Throws<InvalidConfigurationException>(() => new Predictor(net));
    }

    [Fact]
    public void A_network_without_names_is_a_classifier_only_if_it_ends_in_softmax()
    {
        var reg = new Network("r", new Shape(2), 1);
        reg.Add(new Dense(3));
        Assert.False(new Predictor(reg).IsClassification);
        var cls = new Network("c", new Shape(2), 1);
        cls.Add(new Dense(3, ActivationKind.Softmax));
        Assert.Equal(new[] { "0", "1", "2" }, new Predictor(cls).ClassNames);
    }
}
