using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

public class DenseTests
{
    private static Dense Built(int inputs, int units, ActivationKind activation, bool useBias = true, float alpha = 0.1f, ulong seed = 7)
    {
        var layer = new Dense(units, activation, useBias, alpha, "dense");
        layer.Build(new Shape(inputs), new NeuralRandom(seed));
        // Non-zero biases so the check exercises them (init leaves them at zero).
        if (layer.Bias is not null)
        {
            var rng = new NeuralRandom(seed + 100);
            for (int i = 0; i < units; i++) layer.Bias.Value[i] = (rng.NextSingle() - 0.5f) * 0.2f;
        }
        return layer;
    }

    [Theory]
    [InlineData(ActivationKind.None)]
    [InlineData(ActivationKind.ReLU)]
    [InlineData(ActivationKind.LeakyReLU)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softmax)]
    [InlineData(ActivationKind.GELU)]
    public void Gradients_MatchFiniteDifferences_ForEveryActivation(ActivationKind activation)
    {
        var layer = Built(7, 5, activation);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(4, 7), 11));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_WithoutBias()
    {
        var layer = Built(6, 3, ActivationKind.Tanh, useBias: false);
        Assert.Single(layer.Parameters);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(5, 6), 12));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_LeakyReluWithNegativeSlope()
    {
        // alpha <= 0: the output no longer has the input's sign, so the layer must keep z for backward.
        var layer = Built(5, 4, ActivationKind.LeakyReLU, alpha: -0.3f);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(3, 5), 13));
    }

    [Fact]
    public void Forward_ComputesActOfXWTransposePlusBias()
    {
        var layer = Built(3, 2, ActivationKind.ReLU);
        var x = Tensor.FromArray(new Shape(2, 3), new float[] { 1, -2, 0.5f, 0.25f, 3, -1 });
        var y = layer.Forward(x, LayerContext.Inference());
        var w = layer.Weight.Value;
        for (int r = 0; r < 2; r++)
        {
            for (int o = 0; o < 2; o++)
            {
                double z = layer.Bias!.Value[o];
                for (int i = 0; i < 3; i++) z += x[r * 3 + i] * (double)w[o * 3 + i];
                Assert.Equal(Math.Max(z, 0), y[r * 2 + o], 5);
            }
        }
    }

    [Fact]
    public void Init_IsHeForReluAndGlorotOtherwise_WithZeroBias()
    {
        var relu = Built(400, 300, ActivationKind.ReLU);
        var tanh = Built(400, 300, ActivationKind.Tanh);
        relu.Bias!.Value.Clear();
        relu.Initialize(new NeuralRandom(3));
        tanh.Initialize(new NeuralRandom(3));
        Assert.All(relu.Bias.Value.ToArray(), b => Assert.Equal(0f, b));
        double Std(Tensor t) { double s = 0; foreach (var v in t.Span) s += (double)v * v; return Math.Sqrt(s / t.Size); }
        Assert.InRange(Std(relu.Weight.Value) / Math.Sqrt(2.0 / 400), 0.98, 1.02);                 // He normal
        Assert.InRange(Std(tanh.Weight.Value) / (Math.Sqrt(6.0 / 700) / Math.Sqrt(3)), 0.98, 1.02); // Glorot uniform: limit/√3
        Assert.All(tanh.Weight.Value.ToArray(), w => Assert.True(Math.Abs(w) <= Math.Sqrt(6.0 / 700)));
    }

    [Fact]
    public void PyTorchInit_DrawsWeightAndBiasUniformInPlusMinusOneOverSqrtFanIn_AsTorchLinear()
    {
        // torch.nn.Linear(in, out).reset_parameters(): kaiming_uniform_(a=√5) = U(±1/√in) weight, U(±1/√in) bias.
        const int inputs = 400, units = 300;
        var layer = new Dense(units, ActivationKind.ReLU, name: "d", weightInit: WeightInit.PyTorch); // the activation does not matter
        layer.Build(new Shape(inputs), new NeuralRandom(5));
        double limit = 1 / Math.Sqrt(inputs);
        var w = layer.Weight.Value.ToArray();
        var b = layer.Bias!.Value.ToArray();
        Assert.All(w, x => Assert.InRange(Math.Abs(x), 0, limit));
        Assert.All(b, x => Assert.InRange(Math.Abs(x), 0, limit));
        // Uniform, not a narrower or normal draw: std = limit/√3, and the extremes come close to the bounds.
        double Std(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x) / v.Length);
        Assert.InRange(Std(w) / (limit / Math.Sqrt(3)), 0.98, 1.02);
        Assert.InRange(w.Max(), 0.99 * limit, limit);
        Assert.InRange(w.Min(), -limit, -0.99 * limit);
        Assert.InRange(Std(b) / (limit / Math.Sqrt(3)), 0.8, 1.2); // 300 draws
        Assert.Contains(b, x => x != 0f);
        Assert.InRange(Math.Abs(w.Average()), 0, 0.01 * limit);
    }

    [Theory]
    [InlineData(WeightInit.GlorotUniform, ActivationKind.ReLU)]
    [InlineData(WeightInit.HeNormal, ActivationKind.Tanh)]
    [InlineData(WeightInit.LeCunNormal, ActivationKind.None)]
    public void NamedInit_AppliesWhateverTheActivation_WithZeroBias(WeightInit init, ActivationKind activation)
    {
        var layer = new Dense(300, activation, name: "d", weightInit: init);
        layer.Build(new Shape(400), new NeuralRandom(6));
        double std = Math.Sqrt(layer.Weight.Value.ToArray().Sum(x => (double)x * x) / layer.Weight.Value.Size);
        double expected = init switch
        {
            WeightInit.GlorotUniform => Math.Sqrt(6.0 / 700) / Math.Sqrt(3),
            WeightInit.HeNormal => Math.Sqrt(2.0 / 400),
            _ => Math.Sqrt(1.0 / 400),
        };
        Assert.InRange(std / expected, 0.98, 1.02);
        Assert.All(layer.Bias!.Value.ToArray(), x => Assert.Equal(0f, x));
        if (init == WeightInit.GlorotUniform)
            Assert.All(layer.Weight.Value.ToArray(), x => Assert.True(Math.Abs(x) <= Math.Sqrt(6.0 / 700)));
    }

    [Fact]
    public void WeightInit_IsASettingOfTheSpec_WrittenOnlyWhenChosen_AndOldSpecsReadAsAuto()
    {
        var auto = new Dense(4, name: "a").ToSpec();
        Assert.False(auto.Settings.ContainsKey("weightInit")); // a default layer's spec is what files held before the setting
        var torch = new Dense(4, name: "t", weightInit: WeightInit.PyTorch).ToSpec();
        Assert.Equal("PyTorch", torch.Settings["weightInit"]);
        Assert.Equal(WeightInit.PyTorch, Assert.IsType<Dense>(LayerRegistry.Create(torch)).WeightInit);
        // A spec as written before the setting existed (no weightInit key) reads as Auto.
        var old = new LayerSpec("Dense", "old").Set("units", 4).Set("activation", "Tanh").Set("useBias", true).Set("alpha", 0.01);
        Assert.Equal(WeightInit.Auto, Assert.IsType<Dense>(LayerRegistry.Create(old)).WeightInit);
        var bad = new LayerSpec("Dense", "bad").Set("units", 4).Set("weightInit", "Xavier");
        Assert.Throws<ModelFileException>(() => LayerRegistry.Create(bad));
        Assert.Throws<InvalidConfigurationException>(() => new Dense(4, weightInit: (WeightInit)99));
    }

    [Fact]
    public void Init_IsReproducibleFromTheNetworkSeed()
    {
        Network Make() => new Network("n", new Shape(10), 99).Add(new Dense(8, ActivationKind.ReLU)).Add(new Dense(3));
        var a = Make();
        var b = Make();
        Assert.Equal(a.Parameters.SelectMany(p => p.Value.ToArray()), b.Parameters.SelectMany(p => p.Value.ToArray()));
    }

    [Fact]
    public void RankThreeInput_IsRefused_NamingBothShapesAndFlatten()
    {
        var net = new Network("n", new Shape(1, 28, 28), 1);
        var ex = Assert.Throws<ShapeMismatchException>(() => net.Add(new Dense(10)));
        Assert.Contains("(1, 28, 28)", ex.Message);
        Assert.Contains("Flatten", ex.Message);
        Assert.Empty(net.Layers);
    }

    [Fact]
    public void NonPositiveUnits_AreRefused() =>
        Assert.Throws<InvalidConfigurationException>(() => new Dense(0));

    [Fact]
    public void Spec_RoundTripsThroughTheRegistry()
    {
        var layer = new Dense(16, ActivationKind.LeakyReLU, useBias: false, alpha: 0.2f, name: "hidden");
        var spec = layer.ToSpec();
        Assert.Equal(16L, spec.Settings["units"]);
        Assert.Equal("LeakyReLU", spec.Settings["activation"]);
        Assert.Equal(false, spec.Settings["useBias"]);
        var copy = Assert.IsType<Dense>(LayerRegistry.Create(spec));
        Assert.Equal(("hidden", 16, ActivationKind.LeakyReLU, false, 0.2f), (copy.Name, copy.Units, copy.Activation, copy.UseBias, copy.Alpha));
    }

    [Fact]
    public void Spec_AcceptsLinearAndAnyCase_AndRejectsUnknownActivationsListingValidOnes()
    {
        var spec = new LayerSpec("Dense", "d").Set("units", 4).Set("activation", "linear");
        Assert.Equal(ActivationKind.None, ((Dense)LayerRegistry.Create(spec)).Activation);
        spec.Set("activation", "relu");
        Assert.Equal(ActivationKind.ReLU, ((Dense)LayerRegistry.Create(spec)).Activation);
        spec.Set("activation", "Swish");
        Assert.Equal(ActivationKind.SiLU, ((Dense)LayerRegistry.Create(spec)).Activation);
        spec.Set("activation", "Mish");
        var ex = Assert.Throws<InvalidConfigurationException>(() => LayerRegistry.Create(spec));
        Assert.Contains("Mish", ex.Message);
        Assert.Contains("GELUTanh", ex.Message);
    }

    [Fact]
    public void SmallerBatch_ReusesBuffersAndComputesTheSameRows()
    {
        var layer = Built(5, 4, ActivationKind.Sigmoid);
        var x = GradientCheck.Random(new Shape(6, 5), 5);
        var full = layer.Forward(x, LayerContext.Inference()).ToArray();
        var first2 = Tensor.FromArray(new Shape(2, 5), x.Span.Slice(0, 10));
        var part = layer.Forward(first2, LayerContext.Inference());
        Assert.Equal(new Shape(2, 4), part.Shape);
        Assert.Equal(full.AsSpan(0, 8).ToArray(), part.ToArray());
    }
}
