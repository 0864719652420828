using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

public class FlattenTests
{
    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        var layer = new Flatten();
        layer.Build(new Shape(2, 3, 4), new NeuralRandom(1));
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(3, 2, 3, 4), 8));
    }

    [Fact]
    public void Output_IsRowMajorVectorPerSample_WithoutCopying()
    {
        var net = new Network("n", new Shape(28, 28), 1).Add(new Flatten()).Add(new Dense(10));
        Assert.Equal(new Shape(784), net.Layers[0].OutputShape);
        var x = GradientCheck.Random(new Shape(2, 28, 28), 1);
        var y = net.Layers[0].Forward(x, LayerContext.Inference());
        Assert.Equal(new Shape(2, 784), y.Shape);
        Assert.Same(x.Data, y.Data);
        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void Backward_ReshapesTheGradientToTheInputShape()
    {
        var layer = new Flatten();
        layer.Build(new Shape(3, 2), new NeuralRandom(1));
        var x = GradientCheck.Random(new Shape(4, 3, 2), 2);
        layer.Forward(x, LayerContext.Inference());
        var dy = GradientCheck.Random(new Shape(4, 6), 3);
        var dx = layer.Backward(dy, LayerContext.Inference())!;
        Assert.Equal(new Shape(4, 3, 2), dx.Shape);
        Assert.Equal(dy.ToArray(), dx.ToArray());
    }

    [Fact]
    public void Spec_RoundTrips() =>
        Assert.Equal("flat", Assert.IsType<Flatten>(LayerRegistry.Create(new Flatten("flat").ToSpec())).Name);
}
