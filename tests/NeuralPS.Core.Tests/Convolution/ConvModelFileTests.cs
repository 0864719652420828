using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

public class ConvModelFileTests
{
    [Fact]
    public void ConvolutionalNetwork_WithResidualBlocksAndBatchNorm_RoundTripsThroughTheModelFile()
    {
        var net = new Network("cnn", new Shape(1, 12, 12), 5);
        net.Add(new Conv2d(8, new[] { 3 }, padding: PaddingMode.Same, useBias: false))
           .Add(new BatchNorm())
           .Add(new Residual(new Layer[]
           {
               new Conv2d(8, new[] { 3 }, padding: PaddingMode.Same, activation: ActivationKind.ReLU),
               new BatchNorm(),
           }, ActivationKind.ReLU))
           .Add(new Residual(new Layer[] { new Conv2d(12, new[] { 3 }, new[] { 2 }, PaddingMode.Same), new Dropout2d(0.2) }))
           .Add(new MaxPool2d(2))
           .Add(new AvgPool2d(new[] { 2 }, new[] { 1 }))
           .Add(new GlobalAvgPool2d())
           .Add(new Dense(10));
        // Move the running statistics away from their initial values with a few training-mode passes.
        var x = GradientCheck.Random(new Shape(4, 1, 12, 12), 3);
        var train = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        for (int i = 0; i < 3; i++) net.Forward(x, train);
        var expected = net.Forward(x, LayerContext.Inference()).ToArray();

        var copy = ModelFile.Load(new MemoryStream(ModelFile.Encode(net)));
        Assert.Equal(net.Layers.Select(l => l.Type), copy.Layers.Select(l => l.Type));
        Assert.Equal(net.ParameterCount, copy.ParameterCount);
        var bn = (BatchNorm)copy.Layers[1];
        Assert.Equal(((BatchNorm)net.Layers[1]).RunningMean.ToArray(), bn.RunningMean.ToArray());
        Assert.Equal(expected, copy.Forward(x, LayerContext.Inference()).ToArray());
    }
}
