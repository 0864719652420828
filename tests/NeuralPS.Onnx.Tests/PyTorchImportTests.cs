using System.Text.Json;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Training;
using NeuralPS.Onnx.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Onnx.Tests;

/// <summary>PyTorch → ONNX → NeuralPS: models trained and exported by Debian's PyTorch 1.13
/// (tests/Conformance/onnx/make_pytorch_onnx.py) import into networks whose outputs equal PyTorch's within
/// 1e-5 relative on the inputs the script saved (real Iris rows, Fashion-MNIST test images, sunspot windows).</summary>
public sealed class PyTorchImportTests(ITestOutputHelper output)
{
    private sealed record Check(int[] input_shape, float[] input, int[] output_shape, float[] output);

    private static string File(string name) => Path.Combine(AppContext.BaseDirectory, "pytorch", name);

    private (Network Net, Check Check) Load(string name)
    {
        var net = OnnxReader.Load(File(name + ".onnx"));
        var check = JsonSerializer.Deserialize<Check>(System.IO.File.ReadAllText(File(name + ".check.json")))!;
        return (net, check);
    }

    [Theory]
    [InlineData("iris_mlp", "Dense(ReLU) Dense")]
    [InlineData("fashion_cnn", "Conv2d(ReLU) MaxPool2d Conv2d(ReLU) MaxPool2d Flatten Dense(ReLU) Dense")]
    [InlineData("fashion_resnet", "Conv2d(ReLU) Residual(ReLU) Residual(ReLU) GlobalAvgPool2d Dense")]
    [InlineData("sunspot_lstm", "LSTM Dense")]
    [InlineData("sunspot_gru", "GRU Dense")]
    [InlineData("iris_gelu", "Dense Activation(GELU) Dense Activation(GELU) Dense")]
    public void A_pytorch_model_imports_and_matches_pytorchs_outputs(string name, string layers)
    {
        var (net, check) = Load(name);
        Assert.Equal(layers, string.Join(" ", net.Layers.Select(Short)));
        Assert.Equal(check.input_shape.Skip(1), net.InputShape);
        Assert.Equal(check.output_shape.Skip(1), net.OutputShape);
        var actual = TestModels.Predict(net, check.input, check.input_shape[0]);
        double error = Ort.RelativeError(actual, check.output);
        output.WriteLine($"{name}: {net.Layers.Count} layers, {net.ParameterCount:N0} parameters; NeuralPS vs PyTorch relative error {error:E2} over {check.output.Length} outputs");
        Assert.True(error <= 1e-5, $"relative error {error:E2}");
    }

    private static string Short(Layer l) => l switch
    {
        Dense d when d.Activation != NeuralPS.Core.Backends.ActivationKind.None => $"Dense({d.Activation})",
        Conv2d c when c.Activation != NeuralPS.Core.Backends.ActivationKind.None => $"Conv2d({c.Activation})",
        Residual r when r.Activation != NeuralPS.Core.Backends.ActivationKind.None => $"Residual({r.Activation})",
        Activation a => $"Activation({a.Kind})",
        _ => l.Type,
    };

    [Fact]
    public void The_imported_resnet_keeps_pytorchs_projection_as_the_blocks_own()
    {
        var (net, _) = Load("fashion_resnet");
        var blocks = net.Layers.OfType<Residual>().ToList();
        Assert.Null(blocks[0].Projection);
        var projection = Assert.IsType<Conv2d>(blocks[1].Projection);
        Assert.Equal(new[] { 2, 2 }, projection.Stride);
    }

    [Fact]
    public void The_imported_cnn_fine_tunes_on_fashion_mnist_and_gets_better()
    {
        var (net, _) = Load("fashion_cnn");
        var train = IdxReader.ReadDataset(TestModels.DataPath("fashion-mnist", "train-images-idx3-ubyte.gz"), TestModels.DataPath("fashion-mnist", "train-labels-idx1-ubyte.gz"),
            new IdxReadOptions { Scale = 1f / 255 });
        var test = IdxReader.ReadDataset(TestModels.DataPath("fashion-mnist", "t10k-images-idx3-ubyte.gz"), TestModels.DataPath("fashion-mnist", "t10k-labels-idx1-ubyte.gz"),
            new IdxReadOptions { Scale = 1f / 255 });
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 5e-4, Seed = 1 });
        var (_, before) = trainer.Evaluate(test);
        var history = trainer.Fit(train).ToList();
        var (_, after) = trainer.Evaluate(test);
        output.WriteLine($"imported PyTorch CNN on 500 Fashion-MNIST test images: {before:P1} before, {after:P1} after one epoch on 1000 training images (loss {history[^1].Loss:F3})");
        Assert.True(before > 0.5, $"the imported network should already classify ({before:P1})");
        Assert.True(after >= before - 0.02, $"fine-tuning made it worse: {before:P1} → {after:P1}");
    }
}
