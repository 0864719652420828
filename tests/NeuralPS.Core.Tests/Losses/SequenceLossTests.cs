using System.Text.Json;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Layers;
using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Losses;

/// <summary>Losses over a sequence output: (batch, time, classes) against one label per step, −1 marking a
/// step that counts for nothing (padding), and (batch, time, k) against per-step targets.</summary>
public sealed class SequenceLossTests
{
    private static readonly Lazy<JsonElement> Reference = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Losses", "reference", "sequence_loss_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    public static IEnumerable<object[]> CrossEntropyCases() =>
        Enumerable.Range(0, Reference.Value.GetProperty("crossEntropy").GetArrayLength()).Select(i => new object[] { i });

    public static IEnumerable<object[]> MeanSquaredErrorCases() =>
        Enumerable.Range(0, Reference.Value.GetProperty("meanSquaredError").GetArrayLength()).Select(i => new object[] { i });

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    // The logits are float32 values in both; ours are exp'd in float32 and summed in float64, so the loss
    // agrees to ~1e-7 relative and each gradient element to float32 rounding of a softmax over N steps.
    // The loss within 1e-6 relative and every gradient element within 1e-5 relative + 1e-7 of PyTorch's; returns the gradient.
    private static float[] MatchesPyTorch(JsonElement c, double value, Loss loss)
    {
        double expected = c.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(value - expected) <= 1e-6 * Math.Abs(expected), $"loss {value:R}, PyTorch {expected:R}");
        var gradient = loss.Backward().ToArray();
        var reference = Doubles(c.GetProperty("gradient"));
        for (int i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(gradient[i] - reference[i]) <= 1e-5 * Math.Abs(reference[i]) + 1e-7, $"gradient[{i}] {gradient[i]:R}, PyTorch {reference[i]:R}");
        return gradient;
    }

    [Theory]
    [MemberData(nameof(CrossEntropyCases))]
    public void CrossEntropy_per_step_matches_PyTorch_with_ignore_index(int index)
    {
        var c = Reference.Value.GetProperty("crossEntropy")[index];
        int batch = c.GetProperty("batch").GetInt32(), time = c.GetProperty("time").GetInt32(), classes = c.GetProperty("classes").GetInt32();
        var output = Tensor.FromArray(new Shape(batch, time, classes), Floats(c.GetProperty("output")));
        int[] labels = c.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var loss = new CrossEntropy();
        double value = loss.Forward(CpuBackend.Instance, output, labels);
        var gradient = MatchesPyTorch(c, value, loss);
        for (int r = 0; r < labels.Length; r++)
            if (labels[r] == Loss.IgnoredLabel)
                Assert.All(gradient.AsSpan(r * classes, classes).ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [MemberData(nameof(MeanSquaredErrorCases))]
    public void MeanSquaredError_per_step_matches_PyTorch(int index)
    {
        var c = Reference.Value.GetProperty("meanSquaredError")[index];
        var shape = new Shape(c.GetProperty("batch").GetInt32(), c.GetProperty("time").GetInt32(), c.GetProperty("k").GetInt32());
        var output = Tensor.FromArray(shape, Floats(c.GetProperty("output")));
        var targets = Tensor.FromArray(shape, Floats(c.GetProperty("targets")));
        var loss = new MeanSquaredError();
        double value = loss.Forward(CpuBackend.Instance, output, targets);
        var gradient = MatchesPyTorch(c, value, loss);
    }

    [Fact]
    public void MeanSquaredError_ignoring_NaN_targets_is_the_mean_over_the_other_steps_with_zero_gradient_there()
    {
        // (batch 2, time 3, k 2): sample 1's last two steps are padding.
        var output = GradientCheck.Random(new Shape(2, 3, 2), 12);
        var targets = GradientCheck.Random(new Shape(2, 3, 2), 13);
        for (int i = 8; i < 12; i++) targets[i] = float.NaN;
        Assert.True(double.IsNaN(new MeanSquaredError().Forward(CpuBackend.Instance, output, targets)), "without IgnoreNaNTargets a NaN target is bad data");
        var loss = new MeanSquaredError { IgnoreNaNTargets = true };
        double value = loss.Forward(CpuBackend.Instance, output, targets);
        var kept = Tensor.FromArray(new Shape(1, 8), output.Span[..8]);
        double expected = new MeanSquaredError().Forward(CpuBackend.Instance, kept, Tensor.FromArray(new Shape(1, 8), targets.Span[..8]));
        Assert.Equal(expected, value, 12);
        var g = loss.Backward().ToArray();
        Assert.All(g[8..], v => Assert.Equal(0f, v));
        LossGradientCheck.Check(new MeanSquaredError { IgnoreNaNTargets = true }, output, null, targets);
    }

    [Fact]
    public void CrossEntropy_per_step_gradient_matches_finite_differences()
    {
        var output = GradientCheck.Random(new Shape(3, 4, 5), 7, 3f);
        int[] labels = { 0, 4, 2, -1, 3, -1, -1, -1, 1, 1, 0, 2 };
        LossGradientCheck.Check(new CrossEntropy(), output, labels, null);
    }

    [Fact]
    public void CrossEntropy_with_every_step_ignored_is_zero_with_a_zero_gradient()
    {
        var output = GradientCheck.Random(new Shape(2, 3, 4), 8);
        var loss = new CrossEntropy();
        Assert.Equal(0, loss.Forward(CpuBackend.Instance, output, new[] { -1, -1, -1, -1, -1, -1 }));
        Assert.All(loss.Backward().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Per_step_label_outside_the_classes_is_an_error_naming_sample_and_step()
    {
        var output = GradientCheck.Random(new Shape(2, 3, 4), 9);
        var ex = Assert.Throws<InvalidConfigurationException>(() => new CrossEntropy().Forward(CpuBackend.Instance, output, new[] { 0, 1, 2, 3, 4, -1 }));
        Assert.Contains("sample 1, step 1", ex.Message);
        Assert.Throws<InvalidConfigurationException>(() => new BinaryCrossEntropy().Forward(CpuBackend.Instance, output, new[] { 0, 1, 1, 0, 0, -1 }));
    }

    // ---- through a recurrent network ----

    private const int Vocabulary = 9, Classes = 6;

    private static Network CharNetwork(RecurrentCellKind cell, bool bidirectional, int time) =>
        new Network("chars", new Shape(time), 11)
            .Add(new Embedding(Vocabulary, 4, paddingIndex: 0))
            .Add(RecurrentTests.Make(cell, 5, sequences: true, bidirectional: bidirectional, mask: true))
            .Add(new Dense(Classes));

    private static (double Loss, float[][] Gradients) LossAndGradients(Network net, Tensor ids, int[] labels)
    {
        var context = new LayerContext(CpuBackend.Instance, training: true);
        Tensor y = ids;
        foreach (var layer in net.Layers) y = layer.Forward(y, context);
        var loss = new CrossEntropy();
        double value = loss.Forward(CpuBackend.Instance, y, labels);
        Tensor? g = loss.Backward();
        for (int i = net.Layers.Count - 1; i >= 0; i--) g = net.Layers[i].Backward(g!, context, needInputGradient: i > 0);
        return (value, net.Layers.SelectMany(l => l.Parameters).Select(p => p.Gradient.ToArray()).ToArray());
    }

    public static IEnumerable<object[]> Cells() =>
        from cell in new[] { RecurrentCellKind.SimpleRNN, RecurrentCellKind.LSTM, RecurrentCellKind.GRU }
        from bidirectional in new[] { false, true }
        select new object[] { cell, bidirectional };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Padded_batch_gives_the_loss_and_gradients_of_the_unpadded_sequences(RecurrentCellKind cell, bool bidirectional)
    {
        const int time = 6;
        int[] lengths = { 6, 3, 1 };
        var rng = new NeuralRandom(5);
        var ids = new Tensor(new Shape(lengths.Length, time));
        var labels = new int[lengths.Length * time];
        for (int b = 0; b < lengths.Length; b++)
            for (int t = 0; t < time; t++)
            {
                bool real = t < lengths[b];
                ids[b * time + t] = real ? 1 + rng.NextInt(Vocabulary - 1) : 0;
                labels[b * time + t] = real ? rng.NextInt(Classes) : Loss.IgnoredLabel;
            }
        var padded = CharNetwork(cell, bidirectional, time);
        var (paddedLoss, paddedGradients) = LossAndGradients(padded, ids, labels);

        double lossSum = 0;
        var gradientSums = paddedGradients.Select(g => new double[g.Length]).ToArray();
        int steps = lengths.Sum();
        for (int b = 0; b < lengths.Length; b++)
        {
            int n = lengths[b];
            var alone = CharNetwork(cell, bidirectional, n);
            var from = padded.Layers.SelectMany(l => l.Parameters).ToArray();
            var to = alone.Layers.SelectMany(l => l.Parameters).ToArray();
            for (int p = 0; p < from.Length; p++) from[p].Value.Span.CopyTo(to[p].Value.Span);
            var (loss, gradients) = LossAndGradients(alone,
                Tensor.FromArray(new Shape(1, n), ids.Span.Slice(b * time, n)), labels.AsSpan(b * time, n).ToArray());
            lossSum += loss * n;
            for (int p = 0; p < gradients.Length; p++)
                for (int i = 0; i < gradients[p].Length; i++) gradientSums[p][i] += gradients[p][i] * (double)n;
        }
        Assert.Equal(lossSum / steps, paddedLoss, 5);
        for (int p = 0; p < paddedGradients.Length; p++)
        {
            double scale = gradientSums[p].Max(Math.Abs) / steps;
            for (int i = 0; i < paddedGradients[p].Length; i++)
                Assert.True(Math.Abs(paddedGradients[p][i] - gradientSums[p][i] / steps) <= 1e-5 * scale + 1e-7,
                    $"parameter {p} [{i}]: padded {paddedGradients[p][i]:G6}, sequences {gradientSums[p][i] / steps:G6}");
        }
    }

    // The objective is the per-step loss (float64 sum of float32 terms) through Embedding, a recurrent layer
    // with ReturnSequences and Dense, with padded (ignored) steps; the float32 layers limit the numeric
    // derivative to ~1e-7·loss/h, hence h = 5e-3 and the absolute floor 2e-4 (GradientCheck's reasoning).
    [Theory]
    [MemberData(nameof(Cells))]
    public void Gradient_through_the_per_step_loss_and_a_recurrent_layer_matches_finite_differences(RecurrentCellKind cell, bool bidirectional)
    {
        const int time = 5;
        var net = CharNetwork(cell, bidirectional, time);
        var ids = Tensor.FromArray(new Shape(3, time), new float[] { 1, 2, 3, 4, 5, 8, 7, 0, 0, 0, 2, 0, 0, 0, 0 });
        int[] labels = { 0, 1, 2, 3, 4, 5, 0, -1, -1, -1, 3, -1, -1, -1, -1 };
        var (_, analytic) = LossAndGradients(net, ids, labels);
        var parameters = net.Layers.SelectMany(l => l.Parameters).ToArray();
        var rng = new NeuralRandom(3);
        var failures = new List<string>();
        const double h = 5e-3;
        for (int p = 0; p < parameters.Length; p++)
        {
            var value = parameters[p].Value;
            for (int probe = 0; probe < Math.Min(24, value.Size); probe++)
            {
                int i = value.Size <= 24 ? probe : rng.NextInt(value.Size);
                float original = value[i];
                value[i] = (float)(original + h);
                double plus = LossAndGradients(net, ids, labels).Loss;
                value[i] = (float)(original - h);
                double minus = LossAndGradients(net, ids, labels).Loss;
                value[i] = original;
                double numeric = (plus - minus) / ((double)(float)(original + h) - (float)(original - h));
                double a = analytic[p][i];
                if (!(Math.Abs(a - numeric) <= 2e-2 * Math.Max(Math.Abs(a), Math.Abs(numeric)) + 2e-4))
                    failures.Add($"{parameters[p].Name}[{i}]: analytic {a:G6}, numeric {numeric:G6}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Trainer_accuracy_counts_only_the_labelled_steps()
    {
        const int time = 4;
        var net = CharNetwork(RecurrentCellKind.GRU, false, time);
        var ids = Tensor.FromArray(new Shape(3, time), new float[] { 1, 2, 3, 4, 5, 6, 0, 0, 7, 0, 0, 0 });
        int[] labels = { 0, 1, 2, 3, 4, 5, -1, -1, 2, -1, -1, -1 };
        var data = new Dataset(ids, labels, null, null, "steps", labelSteps: time);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1 });
        var (loss, accuracy) = trainer.Evaluate(data);

        var y = net.Forward(ids, LayerContext.Inference()).ToArray();
        int correct = 0, counted = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            if (labels[r] < 0) continue;
            counted++;
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(y.AsSpan(r * Classes, Classes)) == labels[r]) correct++;
        }
        Assert.Equal(7, counted);
        Assert.Equal((double)correct / counted, accuracy, 12);
        Assert.True(loss > 0);
    }

    [Fact]
    public void Per_step_regression_with_NaN_padded_targets_trains_and_measures_only_the_real_steps()
    {
        const int n = 32, time = 5, k = 2;
        var rng = new NeuralRandom(21);
        var x = new Tensor(new Shape(n, time, 3));
        var targets = new Tensor(new Shape(n, time * k));
        for (int i = 0; i < n; i++)
        {
            int length = 1 + rng.NextInt(time);
            for (int t = 0; t < time; t++)
                for (int j = 0; j < 3; j++) x[(i * time + t) * 3 + j] = t < length ? rng.NextSingle() * 2 - 1 : 0;
            for (int t = 0; t < time; t++)
                for (int j = 0; j < k; j++) targets[(i * time + t) * k + j] = t < length ? x[(i * time + t) * 3 + j] + x[(i * time + t) * 3 + 2] : float.NaN;
        }
        var data = new Dataset(x, null, targets, null, "steps");
        var net = new Network("seq-regression", new Shape(time, 3), 2)
            .Add(new GRU(16, returnSequences: true, maskZeroSteps: true)).Add(new Dense(k));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 30, BatchSize = 8, Optimizer = "Adam", LearningRate = 0.01, Seed = 2, IgnoreNaNTargets = true });
        var history = trainer.Fit(data).ToList();
        Assert.All(history, e => Assert.True(double.IsFinite(e.Loss) && double.IsFinite(e.Metric)));
        Assert.True(history[^1].Loss < history[0].Loss / 4, $"loss {history[0].Loss:G4} -> {history[^1].Loss:G4}");

        // The MAE counts only the real steps: recompute it from the outputs.
        var (_, mae) = trainer.Evaluate(data);
        var y = net.Forward(x, LayerContext.Inference()).ToArray();
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < y.Length; i++)
            if (!float.IsNaN(targets[i])) { sum += Math.Abs(y[i] - targets[i]); counted++; }
        Assert.Equal(sum / counted, mae, 6);
    }

    [Fact]
    public void Per_step_labels_need_an_output_with_one_score_row_per_step()
    {
        var net = new Network("last", new Shape(4), 1).Add(new Embedding(Vocabulary, 4, 0)).Add(new GRU(5)).Add(new Dense(Classes));
        var data = new Dataset(new Tensor(new Shape(2, 4)), new int[8], null, null, "steps", labelSteps: 4);
        var ex = Assert.Throws<ShapeMismatchException>(() => new Trainer(net, new TrainingOptions { Epochs = 1 }).Fit(data).ToList());
        Assert.Contains("-ReturnSequences", ex.Message);
    }

    [Fact]
    public void Steady_state_training_step_with_per_step_labels_allocates_nothing()
    {
        const int n = 48, batch = 16, time = 10;
        var net = new Network("lm", new Shape(time), 7)
            .Add(new Embedding(20, 8, paddingIndex: 0)).Add(new LSTM(16, returnSequences: true, maskZeroSteps: true)).Add(new Dense(20));
        var rng = new NeuralRandom(4);
        var ids = new Tensor(new Shape(n, time));
        for (int i = 0; i < n; i++)
        {
            int length = 1 + rng.NextInt(time);
            for (int t = 0; t < length; t++) ids[i * time + t] = 1 + rng.NextInt(19);
        }
        var labels = new int[n * time];
        for (int i = 0; i < n; i++) NextTokenLabels.Fill(ids.Span.Slice(i * time, time), labels.AsSpan(i * time, time));
        var data = new Dataset(ids, labels, null, null, "lm", labelSteps: time);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = batch, Optimizer = "Adam" });
        trainer.Fit(data).ToList();
        int[] indices = Enumerable.Range(0, batch).Select(i => (i * 7) % n).ToArray();
        Allocations.AssertTrainingStepsAllocateNothing(trainer, data, indices, steps: 3);
    }
}
