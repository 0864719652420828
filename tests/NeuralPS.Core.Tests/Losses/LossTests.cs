using NeuralPS.Core.Backends;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Losses;

public class LossTests
{
    private static readonly IBackend Backend = CpuBackend.Instance;

    [Fact]
    public void CrossEntropy_WithLabels_PassesGradientCheck() =>
        LossGradientCheck.Check(new CrossEntropy(), GradientCheck.Random(new Shape(4, 5), 1, scale: 3f), new[] { 0, 4, 2, 2 }, null);

    [Fact]
    public void CrossEntropy_WithSoftTargets_PassesGradientCheck()
    {
        var t = Tensor.FromArray(new Shape(2, 3), new float[] { 0.2f, 0.3f, 0.5f, 0f, 1f, 0f });
        LossGradientCheck.Check(new CrossEntropy(), GradientCheck.Random(new Shape(2, 3), 2, scale: 2f), null, t);
    }

    [Fact]
    public void BinaryCrossEntropy_SingleOutput_PassesGradientCheck() =>
        LossGradientCheck.Check(new BinaryCrossEntropy(), GradientCheck.Random(new Shape(6, 1), 3, scale: 4f), new[] { 0, 1, 1, 0, 1, 0 }, null);

    [Fact]
    public void BinaryCrossEntropy_MultiLabelTargets_PassesGradientCheck()
    {
        var t = Tensor.FromArray(new Shape(2, 3), new float[] { 1, 0, 1, 0, 0, 1 });
        LossGradientCheck.Check(new BinaryCrossEntropy(), GradientCheck.Random(new Shape(2, 3), 4, scale: 4f), null, t);
    }

    [Fact]
    public void MeanSquaredError_PassesGradientCheck()
    {
        LossGradientCheck.Check(new MeanSquaredError(), GradientCheck.Random(new Shape(3, 2), 5), null, GradientCheck.Random(new Shape(3, 2), 6));
        LossGradientCheck.Check(new MeanSquaredError(), GradientCheck.Random(new Shape(3, 4), 7), new[] { 3, 0, 1 }, null);
    }

    [Fact]
    public void CrossEntropy_MatchesAFloat64Reference()
    {
        var z = GradientCheck.Random(new Shape(3, 4), 9, scale: 5f);
        int[] labels = { 1, 3, 0 };
        var loss = new CrossEntropy();
        double value = loss.Forward(Backend, z, labels);
        var d = loss.Backward();
        double expected = 0;
        for (int r = 0; r < 3; r++)
        {
            double sum = 0;
            for (int j = 0; j < 4; j++) sum += Math.Exp(z[r * 4 + j]);
            expected += -Math.Log(Math.Exp(z[r * 4 + labels[r]]) / sum);
            for (int j = 0; j < 4; j++)
                Assert.Equal((Math.Exp(z[r * 4 + j]) / sum - (j == labels[r] ? 1 : 0)) / 3, d[r * 4 + j], 6);
        }
        Assert.Equal(expected / 3, value, 6);
    }

    [Fact]
    public void CrossEntropy_IsFiniteForExtremeLogits()
    {
        var z = Tensor.FromArray(new Shape(2, 2), new float[] { 1000f, -1000f, 88f, -88f });
        var loss = new CrossEntropy();
        double value = loss.Forward(Backend, z, new[] { 1, 0 });
        // Row 0: the wrong class by a margin of 2000 → loss 2000; row 1: right by 176 → ~e^-176 ≈ 0.
        Assert.Equal(1000.0, value, 3);
        Assert.All(loss.Backward().ToArray(), g => Assert.True(float.IsFinite(g)));
        Assert.Equal(-0.5f, loss.Backward()[1], 6);
    }

    [Fact]
    public void BinaryCrossEntropy_IsFiniteForExtremeLogits()
    {
        var z = Tensor.FromArray(new Shape(4, 1), new float[] { 100f, -100f, 100f, -100f });
        var loss = new BinaryCrossEntropy();
        double value = loss.Forward(Backend, z, new[] { 1, 0, 0, 1 });
        Assert.Equal(50.0, value, 6); // two perfect rows (≈0), two wrong by 100 each: (100 + 100) / 4
        var d = loss.Backward().ToArray();
        Assert.Equal(new[] { 0.0, 0.0, 0.25, -0.25 }, d.Select(v => Math.Round(v, 7)));
    }

    [Fact]
    public void BinaryCrossEntropy_SingleOutput_RefusesLabelsAboveOne() =>
        Assert.Throws<InvalidConfigurationException>(() => new BinaryCrossEntropy().Forward(Backend, new Tensor(2, 1), new[] { 0, 2 }));

    [Fact]
    public void CrossEntropy_LabelBeyondOutputs_IsRefused()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => new CrossEntropy().Forward(Backend, new Tensor(2, 3), new[] { 0, 3 }));
        Assert.Contains("3", ex.Message);
    }

    [Fact]
    public void MeanSquaredError_IsTheMeanOverAllElements()
    {
        var y = Tensor.FromArray(new Shape(2, 2), new float[] { 1, 2, 3, 4 });
        var t = Tensor.FromArray(new Shape(2, 2), new float[] { 0, 2, 5, 4 });
        var loss = new MeanSquaredError();
        Assert.Equal((1 + 0 + 4 + 0) / 4.0, loss.Forward(Backend, y, t));
        Assert.Equal(new[] { 0.5f, 0f, -1f, 0f }, loss.Backward().ToArray());
    }

    [Theory]
    [InlineData("CrossEntropy", typeof(CrossEntropy))]
    [InlineData("crossentropy", typeof(CrossEntropy))]
    [InlineData("BinaryCrossEntropy", typeof(BinaryCrossEntropy))]
    [InlineData("BCE", typeof(BinaryCrossEntropy))]
    [InlineData("MeanSquaredError", typeof(MeanSquaredError))]
    [InlineData("mse", typeof(MeanSquaredError))]
    public void Factory_CreatesByName(string name, Type type) => Assert.IsType(type, LossFactory.Create(name));

    [Fact]
    public void Factory_UnknownName_ListsValidOnes()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => LossFactory.Create("Hinge"));
        Assert.Contains("Hinge", ex.Message);
        Assert.Contains("CrossEntropy, BinaryCrossEntropy, MeanSquaredError", ex.Message);
    }
}
