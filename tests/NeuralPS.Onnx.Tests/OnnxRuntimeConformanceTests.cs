using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Tensors;
using NeuralPS.Onnx.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Onnx.Tests;

/// <summary>NeuralPS → ONNX → ONNX Runtime 1.31 (CPU, graph optimisations off): on real inputs, ORT's output
/// equals NeuralPS' within 1e-5 relative (max |difference| / max |NeuralPS output|: float32 sums in another
/// order differ by a few ulps of the largest term, ~1e-7 relative per op, and the deepest model here chains
/// ~15 of them), and the label output gives NeuralPS' predicted class names.</summary>
public sealed class OnnxRuntimeConformanceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    private void AssertMatches(Network net, float[] raw, int batch, string what)
    {
        var bytes = OnnxExporter.Encode(net);
        var dims = new[] { batch }.Concat(net.InputShape).ToArray();
        var ort = Ort.Run(bytes, raw, dims);
        var expected = TestModels.Predict(net, raw, batch);
        var actual = (float[])ort[OnnxFormat.OutputName];
        double error = Ort.RelativeError(actual, expected);
        output.WriteLine($"{what}: {batch} samples, {expected.Length} outputs, ORT vs NeuralPS relative error {error:E2} ({bytes.Length:N0}-byte ONNX file)");
        Assert.True(error <= Tolerance, $"{what}: relative error {error:E2}");
    }

    [Fact]
    public void Iris_mlp_with_its_standardisation_gives_ORTs_probabilities_and_species_from_raw_measurements()
    {
        var net = TestModels.IrisMlp();
        Assert.NotNull(net.Preprocessor?.Mean);
        var (features, species) = TestModels.IrisRows();
        AssertMatches(net, features, species.Length, "Iris MLP");

        var ort = Ort.Run(OnnxExporter.Encode(net), features, new[] { species.Length, 4 });
        var labels = (string[])ort[OnnxFormat.LabelOutputName];
        var probabilities = TestModels.Predict(net, features, species.Length);
        for (int i = 0; i < species.Length; i++)
        {
            var row = probabilities.AsSpan(i * 3, 3);
            Assert.Equal(net.ClassNames![row.IndexOf(TensorMax(row))], labels[i]);
        }
        double accuracy = labels.Zip(species).Count(p => p.First == p.Second) / (double)species.Length;
        output.WriteLine($"ORT's labels from raw measurements: {accuracy:P1} of the 150 flowers right");
        Assert.True(accuracy > 0.8, $"the label output names the species of only {accuracy:P1} of the flowers");
    }

    private static float TensorMax(ReadOnlySpan<float> row)
    {
        float m = row[0];
        foreach (var v in row) m = Math.Max(m, v);
        return m;
    }

    [Fact]
    public void Bare_export_takes_the_network_input_and_has_no_label_output()
    {
        var net = TestModels.IrisMlp();
        var (features, _) = TestModels.IrisRows();
        var standardised = (float[])features.Clone();
        net.Preprocessor!.Apply(standardised);
        var ort = Ort.Run(OnnxExporter.Encode(net, new OnnxExportOptions { Bare = true }), standardised, new[] { 150, 4 });
        Assert.False(ort.ContainsKey(OnnxFormat.LabelOutputName));
        Assert.True(Ort.RelativeError((float[])ort[OnnxFormat.OutputName], TestModels.Predict(net, features, 150)) <= Tolerance);
    }

    [Fact]
    public void A_categorical_column_is_one_hot_encoded_in_the_graph_and_matches_ORT_from_raw_records()
    {
        var (net, rows) = CategoricalModel.Train();
        var bytes = OnnxExporter.Encode(net);
        var ort = Ort.RunColumns(bytes, rows, new[] { ("SepalLength", false), ("Species", true), ("PetalLength", false) });
        var expected = CategoricalModel.Predict(net, rows);
        double error = Ort.RelativeError(ort, expected);
        output.WriteLine($"Iris petal width from SepalLength, Species (one-hot), PetalLength: ORT vs NeuralPS relative error {error:E2} over {rows.Count} rows");
        Assert.True(error <= Tolerance, $"relative error {error:E2}");
    }

    [Fact]
    public void Seed_cnn_matches_ORT_on_fashion_mnist_test_images()
    {
        AssertMatches(TestModels.SeedCnn(), TestModels.FashionImages(64), 64, "seed CNN");
    }

    [Fact]
    public void ResNet_with_batchnorm_and_a_strided_projection_matches_ORT_on_fashion_mnist_test_images()
    {
        AssertMatches(TestModels.ResNet(), TestModels.FashionImages(32), 32, "small ResNet");
    }

    [Fact]
    public void Stacked_bidirectional_lstm_gru_and_rnn_sequence_outputs_match_ORT_on_sunspot_windows()
    {
        AssertMatches(TestModels.Sequence(), TestModels.SunspotWindows(40), 40, "LSTM(bi, seq) + GRU(seq) + Dense/step + RNN(bi)");
    }

    [Fact]
    public void Last_step_lstm_matches_ORT_on_sunspot_windows()
    {
        AssertMatches(TestModels.LastStepLstm(), TestModels.SunspotWindows(40), 40, "LSTM(last step)");
    }

    [Fact]
    public void Bidirectional_gru_last_state_matches_ORT_on_sunspot_windows()
    {
        AssertMatches(TestModels.BidirectionalGru(), TestModels.SunspotWindows(40), 40, "GRU(bi, last state)");
    }

    /// <summary>The activations PyTorch models use (issue 13): each maps to an ONNX op (SiLU to Sigmoid·x, as PyTorch
    /// exports it), HardSigmoid with PyTorch's alpha 1/6, and a Softmax over the channel axis of an NCHW tensor.</summary>
    [Fact]
    public void PyTorch_activations_and_a_channel_softmax_match_ORT()
    {
        var net = new Network("acts", new Shape(1, 28, 28), 6)
            .Add(new Conv2d(4, new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Valid, activation: ActivationKind.ELU, alpha: 0.5f))
            .Add(new Conv2d(4, new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Valid, activation: ActivationKind.SELU))
            .Add(new Activation(ActivationKind.SiLU))
            .Add(new Activation(ActivationKind.Softmax, axis: 1))
            .Add(new Flatten())
            .Add(new Dense(8, ActivationKind.HardSwish))
            .Add(new Dense(8, ActivationKind.HardSigmoid))
            .Add(new Dense(6, ActivationKind.Softplus))
            .Add(new Dense(5, ActivationKind.GELUTanh))
            .Add(new Dense(3, ActivationKind.GELU));
        net.Preprocessor = new NeuralPS.Core.Data.FeaturePreprocessor(null, 1f / 255, null, null);
        AssertMatches(net, TestModels.FashionImages(16), 16, "ELU, SELU, SiLU, Softmax(axis 1), HardSwish, HardSigmoid, Softplus, GELU tanh and erf");
    }

    [Fact]
    public void Softplus_with_a_beta_has_no_onnx_form_and_is_refused_by_name()
    {
        var net = new Network("sp", new Shape(3), 1).Add(new Dense(2)).Add(new Activation(ActivationKind.Softplus, name: "soft", beta: 2f));
        var e = Assert.ThrowsAny<NeuralException>(() => OnnxExporter.Encode(net));
        Assert.Contains("soft", e.Message);
    }

    [Fact]
    public void Other_layer_forms_match_ORT_pooling_padding_activations_embedding_and_dropout()
    {
        var conv = new Network("forms", new Shape(1, 28, 28), 2)
            .Add(new Conv2d(6, new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Same, activation: ActivationKind.LeakyReLU, alpha: 0.2f))
            .Add(new AvgPool2d(new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Explicit, new[] { 1, 1 }, countIncludePad: false))
            .Add(new Dropout2d(0.3))
            .Add(new Conv2d(4, new[] { 3, 3 }, padding: PaddingMode.Explicit, paddingSize: new[] { 1, 1 }, dilation: new[] { 2, 2 }, groups: 2, activation: ActivationKind.Sigmoid))
            .Add(new MaxPool2d(new[] { 2, 2 }, new[] { 1, 1 }, PaddingMode.Same))
            .Add(new GlobalAvgPool2d())
            .Add(new BatchNorm())
            .Add(new Dense(5, ActivationKind.Tanh))
            .Add(new Dropout(0.1))
            .Add(new Activation(ActivationKind.GELU))
            .Add(new Dense(3, ActivationKind.Softmax));
        conv.Preprocessor = new NeuralPS.Core.Data.FeaturePreprocessor(null, 1f / 255, null, null);
        AssertMatches(conv, TestModels.FashionImages(16), 16, "Conv Same/dilated/grouped, AvgPool, MaxPool Same, BN 1d, GELU (erf)");

        var features = new Network("features", new Shape(4), 4)
            .Add(new Residual(new Layer[] { new Dense(8, ActivationKind.ReLU), new Dense(6) }, ActivationKind.Tanh))
            .Add(new Residual(new Layer[] { new Dense(6, ActivationKind.LeakyReLU, alpha: 0.1f), new Dense(6) }))
            .Add(new Dense(3, ActivationKind.Softmax));
        var (iris, _) = TestModels.IrisRows();
        AssertMatches(features, iris, 150, "Residual blocks over features (Dense projection and identity)");

        var tokens = new Network("tokens", new Shape(7), 3)
            .Add(new Embedding(20, 4, paddingIndex: 0))
            .Add(new LSTM(5))
            .Add(new Dense(2, ActivationKind.Sigmoid));
        var rng = new NeuralRandom(1);
        var ids = Enumerable.Range(0, 10 * 7).Select(_ => (float)rng.NextInt(20)).ToArray();
        AssertMatches(tokens, ids, 10, "Embedding + LSTM");
    }
}
