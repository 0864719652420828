using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>Shape inference when a layer is added, spec round-trips through the registry, and inference-mode behaviour.</summary>
public class ConvLayerShapeTests
{
    [Fact]
    public void SeedCnnShapes_AreInferredWhenLayersAreAdded()
    {
        var net = new Network("cnn", new Shape(1, 28, 28), 1);
        net.Add(new Conv2d(32, 3, activation: ActivationKind.ReLU)).Add(new MaxPool2d(2))
           .Add(new Conv2d(64, 3, activation: ActivationKind.ReLU)).Add(new MaxPool2d(2)).Add(new Dropout2d(0.25));
        Assert.Equal(new Shape(32, 26, 26), net.Layers[0].OutputShape);
        Assert.Equal(new Shape(32, 13, 13), net.Layers[1].OutputShape);
        Assert.Equal(new Shape(64, 11, 11), net.Layers[2].OutputShape);
        Assert.Equal(new Shape(64, 5, 5), net.Layers[3].OutputShape);
        Assert.Equal(320 + 18496, net.ParameterCount);
        Assert.Equal("conv2d_1", net.Layers[0].Name);
    }

    [Fact]
    public void KernelLargerThanInput_IsRefusedWithBothShapes_AndTheNetworkIsUnchanged()
    {
        var net = new Network("n", new Shape(1, 4, 4), 1);
        var e = Assert.Throws<ShapeMismatchException>(() => net.Add(new Conv2d(8, 5)));
        Assert.Contains("(1, 4, 4)", e.Message);
        Assert.Contains("height ≥ 5", e.Message);
        Assert.Empty(net.Layers);
        e = Assert.Throws<ShapeMismatchException>(() => net.Add(new MaxPool2d(new[] { 3 }, paddingSize: new[] { 0 })).Add(new MaxPool2d(3)));
        Assert.Contains("(1, 1, 1)", e.Message);
        Assert.Contains("height ≥ 3", e.Message);
    }

    [Fact]
    public void ConvOnFlatInput_IsRefusedWithBothShapes()
    {
        var net = new Network("n", new Shape(784), 1);
        var e = Assert.Throws<ShapeMismatchException>(() => net.Add(new Conv2d(8, 3)));
        Assert.Contains("(784,)", e.Message);
        Assert.Contains("(channels, height, width)", e.Message);
    }

    [Fact]
    public void GroupsThatDoNotDivideTheChannels_AreRefusedWithTheShape()
    {
        var net = new Network("n", new Shape(3, 8, 8), 1);
        var e = Assert.Throws<ShapeMismatchException>(() => net.Add(new Conv2d(4, new[] { 3 }, groups: 2)));
        Assert.Contains("(3, 8, 8)", e.Message);
        Assert.Contains("groups = 2", e.Message);
    }

    [Fact]
    public void ResidualWhoseInnerOutputCannotBeProjected_IsRefusedWithBothShapes()
    {
        var net = new Network("n", new Shape(4, 8, 8), 1);
        var e = Assert.Throws<ShapeMismatchException>(() => net.Add(new Residual(new Layer[] { new GlobalAvgPool2d() })));
        Assert.Contains("(4, 8, 8)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    [Fact]
    public void Specs_RoundTripThroughTheRegistry()
    {
        var layers = new Layer[]
        {
            new Conv2d(6, new[] { 3, 2 }, new[] { 2, 1 }, PaddingMode.Explicit, new[] { 1, 0 }, new[] { 1, 2 }, 2, false, ActivationKind.LeakyReLU, 0.2f),
            new Conv2d(4, 3, padding: PaddingMode.Same, activation: ActivationKind.ReLU),
            new MaxPool2d(new[] { 3 }, new[] { 2 }, PaddingMode.Same),
            new AvgPool2d(new[] { 2 }, null, PaddingMode.Explicit, new[] { 1 }, countIncludePad: false),
            new BatchNorm(0.05, 1e-3),
            new Dropout2d(0.3),
            new Residual(new Layer[] { new Conv2d(8, 3, padding: PaddingMode.Same), new BatchNorm() }, ActivationKind.ReLU),
            new GlobalAvgPool2d(),
        };
        var shape = new Shape(4, 12, 11);
        foreach (var layer in layers)
        {
            layer.Name = "l";
            layer.Build(shape, new NeuralRandom(1));
            var spec = layer.ToSpec();
            var copy = LayerRegistry.Create(spec);
            copy.Build(shape, new NeuralRandom(1));
            Assert.Equal(layer.Type, copy.Type);
            Assert.Equal(layer.OutputShape, copy.OutputShape);
            Assert.Equal(layer.Details, copy.Details);
            Assert.Equal(layer.ParameterCount, copy.ParameterCount);
            Assert.Equal(spec.Settings, copy.ToSpec().Settings);
            shape = layer.OutputShape;
        }
    }

    [Fact]
    public void SpecSettings_AcceptSingleNumbersAndPaddingWords()
    {
        var spec = new LayerSpec("Conv2d", "c").Set("filters", 8).Set("kernelSize", 5).Set("padding", "same").Set("activation", "relu");
        var conv = (Conv2d)LayerRegistry.Create(spec);
        conv.Build(new Shape(1, 28, 28), new NeuralRandom(1));
        Assert.Equal(new Shape(8, 28, 28), conv.OutputShape);
        Assert.Equal(ActivationKind.ReLU, conv.Activation);
        var pool = LayerRegistry.Create(new LayerSpec("MaxPool2d", "p").Set("kernelSize", new[] { 2 }).Set("padding", "1"));
        pool.Build(new Shape(1, 28, 28), new NeuralRandom(1));
        Assert.Equal(new Shape(1, 15, 15), pool.OutputShape);
    }

    [Fact]
    public void BatchNorm_InInference_UsesRunningStatistics()
    {
        var bn = new BatchNorm(momentum: 0.5) { };
        bn.Name = "bn";
        bn.Build(new Shape(2, 2, 2), new NeuralRandom(1));
        var x = Tensor.FromArray(new Shape(2, 2, 2, 2), Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        bn.Forward(x, new LayerContext(CpuBackend.Instance, training: true));
        // channel 0 holds 0..3 and 8..11: mean 5.5; running = 0.5·0 + 0.5·5.5
        Assert.Equal(2.75f, bn.RunningMean[0], 5);
        var y = bn.Forward(x, LayerContext.Inference());
        double var0 = bn.RunningVariance[0];
        Assert.Equal((0 - 2.75) / Math.Sqrt(var0 + 1e-5), y[0], 4);
        Assert.Equal(2, bn.Buffers.Count);
        Assert.All(bn.Parameters, p => Assert.False(p.ApplyWeightDecay));
    }

    [Fact]
    public void Conv2d_InitialisesReluFamilyWithHeAndOthersWithGlorot()
    {
        var relu = new Conv2d(64, 3, activation: ActivationKind.ReLU) { };
        relu.Name = "a";
        relu.Build(new Shape(32, 9, 9), new NeuralRandom(3));
        var linear = new Conv2d(64, 3);
        linear.Name = "b";
        linear.Build(new Shape(32, 9, 9), new NeuralRandom(3));
        double Std(Layer l) { var w = l.Parameters[0].Value.ToArray(); double m = w.Average(); return Math.Sqrt(w.Sum(v => (v - m) * (v - m)) / w.Length); }
        Assert.Equal(Math.Sqrt(2.0 / 288), Std(relu), 2);
        Assert.Equal(Math.Sqrt(6.0 / (288 + 576)) / Math.Sqrt(3), Std(linear), 2);
        Assert.All(relu.Parameters[1].Value.ToArray(), v => Assert.Equal(0f, v));
    }
}
