using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using NeuralPS.Onnx.Tests.Support;
using Xunit;

namespace NeuralPS.Onnx.Tests;

/// <summary>NeuralPS → ONNX → NeuralPS: the same layers (types, names, settings), the same weights bit for bit,
/// the same preprocessing and class names, so predictions on the same raw inputs are bit-identical.</summary>
public sealed class RoundTripTests
{
    private static Network RoundTrip(Network net) => OnnxReader.Load(OnnxExporter.Encode(net), "roundtrip.onnx");

    /// <summary>The activations added for PyTorch models come back as the same layers with the same outputs
    /// (SiLU is written as Sigmoid·x and read back as an Activation SiLU layer: see the SiLU test).</summary>
    [Fact]
    public void PyTorch_activations_and_a_channel_softmax_round_trip_bit_identically()
    {
        var net = new Network("acts", new Shape(2, 9, 9), 6)
            .Add(new Conv2d(4, new[] { 3, 3 }, activation: ActivationKind.ELU, alpha: 0.5f))
            .Add(new Conv2d(4, new[] { 3, 3 }, activation: ActivationKind.SELU))
            .Add(new Activation(ActivationKind.Softmax, axis: 1))
            .Add(new Flatten())
            .Add(new Dense(8, ActivationKind.HardSwish))
            .Add(new Dense(8, ActivationKind.HardSigmoid))
            .Add(new Dense(6, ActivationKind.Softplus))
            .Add(new Dense(5, ActivationKind.GELUTanh))
            .Add(new Dense(3, ActivationKind.GELU));
        var rng = new NeuralRandom(8);
        AssertIdentical(net, Enumerable.Range(0, 3 * 162).Select(_ => (float)rng.NextGaussian()).ToArray(), 3);
    }

    /// <summary>SiLU goes out as Mul(x, Sigmoid(x)), PyTorch's form, and comes back as one SiLU activation layer
    /// with bit-identical outputs.</summary>
    [Fact]
    public void SiLU_written_as_sigmoid_times_x_comes_back_as_SiLU()
    {
        var net = new Network("silu", new Shape(4), 2).Add(new Dense(6)).Add(new Activation(ActivationKind.SiLU)).Add(new Dense(2));
        var back = RoundTrip(net);
        Assert.Contains(back.Layers, l => l is Activation { Kind: ActivationKind.SiLU });
        var x = new Tensor(3, 4);
        for (int i = 0; i < x.Size; i++) x[i] = (float)Math.Cos(i);
        var ctx = new LayerContext(NeuralPS.Core.Backends.CpuBackend.Instance, training: false);
        Assert.Equal(net.Forward(x, ctx).ToArray(), back.Forward(x, ctx).ToArray());
    }

    private static void AssertIdentical(Network net, float[] raw, int batch)
    {
        var back = RoundTrip(net);
        Assert.Equal(Describe(net), Describe(back));
        Assert.Equal(net.Parameters.Select(p => p.Value.ToArray()), back.Parameters.Select(p => p.Value.ToArray()));
        var a = TestModels.Predict(net, raw, batch);
        var b = TestModels.Predict(back, raw, batch);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
    }

    private static IEnumerable<string> Describe(Network net) =>
        TestModels.AllLayers(net.Layers).Select(l => $"{l.Name} {l.Type} {l.OutputShape} {l.Details}");

    [Fact]
    public void Iris_mlp_comes_back_with_its_standardisation_feature_names_and_class_names()
    {
        var net = TestModels.IrisMlp();
        var (features, _) = TestModels.IrisRows();
        AssertIdentical(net, features, 150);
        var back = RoundTrip(net);
        Assert.Equal(net.ClassNames, back.ClassNames);
        Assert.Equal(net.Preprocessor!.FeatureNames, back.Preprocessor!.FeatureNames);
        Assert.Equal(net.Preprocessor.Mean, back.Preprocessor.Mean);
        Assert.Equal(net.Preprocessor.Std, back.Preprocessor.Std);
        Assert.Equal(net.Preprocessor.LabelName, back.Preprocessor.LabelName);
        Assert.Equal(net.Seed, back.Seed);
        Assert.Equal(net.EpochsTrained, back.EpochsTrained);
    }

    [Fact]
    public void A_model_with_a_categorical_column_comes_back_with_its_columns_and_predicts_bit_identically()
    {
        var (net, rows) = CategoricalModel.Train();
        var back = RoundTrip(net);
        Assert.Equal(net.Preprocessor!.Columns!.Select(c => c.ToString()), back.Preprocessor!.Columns!.Select(c => c.ToString()));
        var a = CategoricalModel.Predict(net, rows);
        var b = CategoricalModel.Predict(back, rows);
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Seed_cnn_and_resnet_predict_bit_identically_after_the_round_trip()
    {
        var images = TestModels.FashionImages(8);
        AssertIdentical(TestModels.SeedCnn(), images, 8);
        AssertIdentical(TestModels.ResNet(), images, 8);
    }

    [Fact]
    public void Recurrent_models_predict_bit_identically_after_the_round_trip()
    {
        var windows = TestModels.SunspotWindows(10);
        AssertIdentical(TestModels.Sequence(), windows, 10);
        AssertIdentical(TestModels.LastStepLstm(), windows, 10);
        AssertIdentical(TestModels.BidirectionalGru(), windows, 10);
    }

    [Fact]
    public void Padding_pooling_dropout2d_embedding_and_activation_forms_round_trip()
    {
        var net = new Network("forms", new Shape(2, 9, 9), 2)
            .Add(new Conv2d(6, new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Same, activation: ActivationKind.LeakyReLU, alpha: 0.2f))
            .Add(new AvgPool2d(new[] { 3, 3 }, new[] { 1, 1 }, PaddingMode.Explicit, new[] { 1, 1 }, countIncludePad: false))
            .Add(new Dropout2d(0.3))
            .Add(new MaxPool2d(new[] { 2, 2 }, new[] { 1, 1 }, PaddingMode.Same))
            .Add(new Flatten())
            .Add(new BatchNorm(momentum: 0.2, epsilon: 1e-3))
            .Add(new Dense(5, ActivationKind.GELU, useBias: false))
            .Add(new Dense(2, ActivationKind.Sigmoid));
        var rng = new NeuralRandom(3);
        AssertIdentical(net, Enumerable.Range(0, 3 * 162).Select(_ => (float)rng.NextGaussian()).ToArray(), 3);

        var features = new Network("features", new Shape(6), 4)
            .Add(new Residual(new Layer[] { new Dense(4, ActivationKind.ReLU), new Dense(3) }, ActivationKind.Tanh))
            .Add(new Residual(new Layer[] { new Dense(3, ActivationKind.LeakyReLU, alpha: 0.1f), new Dropout(0.2), new Dense(3) }))
            .Add(new Dense(2));
        AssertIdentical(features, Enumerable.Range(0, 18).Select(i => (float)Math.Sin(i)).ToArray(), 3);

        var tokens = new Network("tokens", new Shape(6), 3).Add(new Embedding(11, 4, paddingIndex: 0)).Add(new GRU(3, useBias: false)).Add(new Dense(1));
        AssertIdentical(tokens, Enumerable.Range(0, 12).Select(i => (float)(i % 11)).ToArray(), 2);
    }

    [Fact]
    public void An_imported_network_trains_further()
    {
        var back = RoundTrip(TestModels.IrisMlp());
        var converter = new NeuralPS.Core.Data.RecordConverter(new NeuralPS.Core.Data.RecordConverterOptions { LabelColumn = "Species" });
        foreach (var r in NeuralPS.Core.Data.CsvReader.ReadRecords(TestModels.DataPath("iris", "iris.csv"))) converter.TryAdd(r, out _);
        var before = back.Parameters.First().Value.ToArray();
        var history = new Trainer(back, new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.01, Seed = 1 }).Fit(converter.ToDataset()).ToList();
        Assert.Equal(2, history.Count);
        Assert.NotEqual(before, back.Parameters.First().Value.ToArray());
        Assert.True(double.IsFinite(history[^1].Loss));
    }
}
