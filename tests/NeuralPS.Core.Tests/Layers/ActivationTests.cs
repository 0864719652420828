using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

public class ActivationTests
{
    [Theory]
    [InlineData(ActivationKind.None)]
    [InlineData(ActivationKind.ReLU)]
    [InlineData(ActivationKind.LeakyReLU)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softmax)]
    [InlineData(ActivationKind.GELU)]
    [InlineData(ActivationKind.GELUTanh)]
    [InlineData(ActivationKind.ELU)]
    [InlineData(ActivationKind.SELU)]
    [InlineData(ActivationKind.SiLU)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.HardSigmoid)]
    [InlineData(ActivationKind.HardSwish)]
    public void Gradients_MatchFiniteDifferences(ActivationKind kind)
    {
        var layer = new Activation(kind, alpha: 0.05f);
        layer.Build(new Shape(9), new NeuralRandom(1));
        // Scale 2 spreads values over the curved parts of sigmoid/tanh/GELU; probes that land within the
        // step of ReLU's kink at 0 are avoided by the seed.
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(3, 9), 21, scale: 2f));
    }

    [Fact]
    public void Softmax_OnRank3Input_IsTakenOverTheLastDimension()
    {
        var layer = new Activation(ActivationKind.Softmax);
        layer.Build(new Shape(2, 3), new NeuralRandom(1));
        var x = GradientCheck.Random(new Shape(2, 2, 3), 4, scale: 3f);
        var y = layer.Forward(x, LayerContext.Inference());
        for (int row = 0; row < 4; row++)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++) sum += y[row * 3 + j];
            Assert.Equal(1.0, sum, 5);
        }
        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void OutputShape_EqualsInputShape_AndSpecRoundTrips()
    {
        var net = new Network("n", new Shape(4, 5), 1).Add(new Activation(ActivationKind.LeakyReLU, 0.2f, "act"));
        Assert.Equal(new Shape(4, 5), net.OutputShape);
        var spec = net.Layers[0].ToSpec();
        Assert.Equal("LeakyReLU", spec.GetString("activation"));
        var copy = Assert.IsType<Activation>(LayerRegistry.Create(spec));
        Assert.Equal((ActivationKind.LeakyReLU, 0.2f, "act"), (copy.Kind, copy.Alpha, copy.Name));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-3)]
    [InlineData(-1)]
    public void SoftmaxOverAnAxis_SumsToOneAlongIt_AndItsGradientsCheck(int axis)
    {
        var layer = new Activation(ActivationKind.Softmax, axis: axis);
        layer.Build(new Shape(3, 4, 2), new NeuralRandom(1));
        var x = GradientCheck.Random(new Shape(2, 3, 4, 2), 8, scale: 3f);
        var y = layer.Forward(x, LayerContext.Inference());
        int a = axis < 0 ? axis + 4 : axis;
        int[] dims = { 2, 3, 4, 2 };
        int n = dims[a], inner = 1, outer = 1;
        for (int i = a + 1; i < 4; i++) inner *= dims[i];
        for (int i = 0; i < a; i++) outer *= dims[i];
        for (int o = 0; o < outer; o++)
            for (int s = 0; s < inner; s++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += y[(o * n + k) * inner + s];
                Assert.Equal(1.0, sum, 5);
            }
        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void SoftmaxAxis_IsSavedInTheSpec_AndAxesOutsideTheSampleAreRefused()
    {
        var layer = new Activation(ActivationKind.Softmax, name: "sm", axis: 1);
        new Network("n", new Shape(3, 2, 2), 1).Add(layer);
        var copy = Assert.IsType<Activation>(LayerRegistry.Create(layer.ToSpec()));
        Assert.Equal(1, copy.Axis);
        Assert.False(new Activation(ActivationKind.Softmax).ToSpec().Has("axis")); // the default writes nothing new
        Assert.Throws<InvalidConfigurationException>(() => new Activation(ActivationKind.Softmax, axis: 0));
        var e = Assert.Throws<ShapeMismatchException>(() => new Network("n", new Shape(3), 1).Add(new Activation(ActivationKind.Softmax, axis: 2)));
        Assert.Contains("axis 2", e.Message);
    }

    [Fact]
    public void SoftplusAndElu_SettingsRoundTrip_AndDefaultsAreTorchs()
    {
        var elu = new Activation(ActivationKind.ELU);
        Assert.Equal(1f, elu.Alpha);
        var sp = new Activation(ActivationKind.Softplus, name: "sp", beta: 2f, threshold: 5f);
        var copy = Assert.IsType<Activation>(LayerRegistry.Create(sp.ToSpec()));
        Assert.Equal((2f, 5f), (copy.Beta, copy.Threshold));
        Assert.Throws<InvalidConfigurationException>(() => new Activation(ActivationKind.Softplus, beta: 0f));
        Assert.Equal(1f, new Dense(3, ActivationKind.ELU).Alpha);
        Assert.Equal(0.01f, new Dense(3, ActivationKind.LeakyReLU).Alpha);
    }
}
