using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Backends;

/// <summary>The vectorised element-wise primitives against the scalar definitions in CpuActivations.
/// Lengths include a vector remainder (37, 1003). Tolerance 2e-6 absolute + 2e-6 relative: TensorPrimitives'
/// exp/tanh/sigmoid approximations are within a few ulp of MathF's.</summary>
public class ElementwiseTests
{
    private static readonly IBackend Backend = CpuBackend.Instance;
    public static TheoryData<ActivationKind, int> ElementwiseKinds()
    {
        var data = new TheoryData<ActivationKind, int>();
        foreach (var k in new[] { ActivationKind.None, ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Sigmoid, ActivationKind.Tanh, ActivationKind.GELU,
            ActivationKind.GELUTanh, ActivationKind.ELU, ActivationKind.SELU, ActivationKind.SiLU, ActivationKind.Softplus, ActivationKind.HardSigmoid, ActivationKind.HardSwish })
            foreach (int n in new[] { 1, 37, 1003 }) data.Add(k, n);
        return data;
    }

    private static void Near(double expected, double actual, string what)
    {
        double tol = 2e-6 + 2e-6 * Math.Abs(expected);
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:G9}, got {actual:G9}");
    }

    [Theory]
    [MemberData(nameof(ElementwiseKinds))]
    public void ActivationForwardAndBackward_MatchTheScalarReference(ActivationKind kind, int n)
    {
        const float alpha = 0.07f;
        var x = GradientCheck.Random(new Shape(1, n), (ulong)n, scale: 6f);
        var y = new Tensor(new Shape(1, n));
        Backend.ActivationForward(x, y, kind, alpha);
        var dy = GradientCheck.Random(new Shape(1, n), 100 + (ulong)n);
        var dx = new Tensor(new Shape(1, n));
        Backend.ActivationBackward(x, y, dy, dx, kind, alpha);
        for (int i = 0; i < n; i++)
        {
            float reference = CpuActivations.Apply(kind, x[i], alpha);
            Near(reference, y[i], $"{kind}({x[i]})");
            Near(CpuActivations.Derivative(kind, x[i], reference, alpha) * dy[i], dx[i], $"{kind}'({x[i]})");
        }
    }

    // ActivationKernels.IsKnown is a range check standing in for Enum.IsDefined on the hot path; it holds only while
    // the kinds are 0 .. LastKind without gaps.
    [Fact]
    public void ActivationKinds_AreContiguousFromZero_UpToLastKind()
    {
        var values = Enum.GetValues<ActivationKind>().Select(k => (int)k).OrderBy(v => v).ToArray();
        Assert.Equal(Enumerable.Range(0, values.Length), values);
        Assert.Equal((int)ActivationKernels.LastKind, values[^1]);
        for (int v = -3; v <= (int)ActivationKernels.LastKind + 3; v++)
            Assert.Equal(Enum.IsDefined((ActivationKind)v), ActivationKernels.IsKnown((ActivationKind)v));
        Assert.False(ActivationKernels.IsKnown((ActivationKind)int.MinValue));
    }

    [Fact]
    public void ActivationForward_InPlace_GivesTheSameResult()
    {
        foreach (var kind in Enum.GetValues<ActivationKind>())
        {
            var x = GradientCheck.Random(new Shape(3, 300), 5, scale: 4f);
            var y = new Tensor(x.Shape);
            Backend.ActivationForward(x, y, kind);
            Backend.ActivationForward(x, x, kind);
            Assert.Equal(y.ToArray(), x.ToArray());
        }
    }

    [Fact]
    public void ActivationBackward_IntoTheOutputGradient_GivesTheSameResult()
    {
        // dx may be dy (the layers reuse the gradient buffer); lengths with a partial last vector.
        foreach (var kind in Enum.GetValues<ActivationKind>())
        {
            foreach (int n in new[] { 7, 300, 1003 })
            {
                var x = GradientCheck.Random(new Shape(1, n), 5, scale: 4f);
                var y = new Tensor(x.Shape);
                Backend.ActivationForward(x, y, kind);
                var dy = GradientCheck.Random(new Shape(1, n), 6);
                var dx = new Tensor(x.Shape);
                Backend.ActivationBackward(x, y, dy, dx, kind);
                Backend.ActivationBackward(x, y, dy, dy, kind);
                Assert.Equal(dx.ToArray(), dy.ToArray());
            }
        }
    }

    [Fact]
    public void Softmax_IsStableForHugeLogits_AndRowsSumToOne()
    {
        var x = Tensor.FromArray(new Shape(2, 3), new float[] { 1000f, 1001f, 999f, -1000f, -1000f, -1000f });
        var y = new Tensor(x.Shape);
        Backend.Softmax(x, y);
        double e0 = Math.Exp(-1), e2 = Math.Exp(-2), s = e0 + 1 + e2;
        Assert.Equal(e0 / s, y[0], 6);
        Assert.Equal(1 / s, y[1], 6);
        Assert.Equal(e2 / s, y[2], 6);
        for (int j = 3; j < 6; j++) Assert.Equal(1 / 3.0, y[j], 6);
    }

    [Fact]
    public void SoftmaxBackward_IsTheJacobianVectorProduct()
    {
        var x = GradientCheck.Random(new Shape(2, 5), 3, scale: 2f);
        var y = new Tensor(x.Shape);
        Backend.Softmax(x, y);
        var dy = GradientCheck.Random(new Shape(2, 5), 4);
        var dx = new Tensor(x.Shape);
        Backend.ActivationBackward(null, y, dy, dx, ActivationKind.Softmax);
        for (int r = 0; r < 2; r++)
        {
            for (int i = 0; i < 5; i++)
            {
                double sum = 0; // Σ_j dy_j · ∂y_j/∂x_i,  ∂y_j/∂x_i = y_j(δij − y_i)
                for (int j = 0; j < 5; j++) sum += dy[r * 5 + j] * y[r * 5 + j] * ((i == j ? 1 : 0) - y[r * 5 + i]);
                Assert.Equal(sum, dx[r * 5 + i], 6);
            }
        }
    }

    [Fact]
    public void GeluBackward_WithoutInput_IsRefused()
    {
        var t = new Tensor(1, 4);
        Assert.Throws<InvalidOperationException>(() => Backend.ActivationBackward(null, t, t, t, ActivationKind.GELU));
    }

    [Fact]
    public void MismatchedSizes_NameBothShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Backend.Add(new Tensor(2, 3), new Tensor(3, 3), new Tensor(2, 3)));
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(3, 3)", ex.Message);
    }

    [Fact]
    public void AddScaleMultiplyCopy_AreElementwise()
    {
        var a = GradientCheck.Random(new Shape(37), 1);
        var b = GradientCheck.Random(new Shape(37), 2);
        var r = new Tensor(37);
        Backend.Add(a, b, r);
        for (int i = 0; i < 37; i++) Assert.Equal(a[i] + b[i], r[i]);
        Backend.Multiply(a, b, r);
        for (int i = 0; i < 37; i++) Assert.Equal(a[i] * b[i], r[i]);
        Backend.Scale(a, 3f, r);
        for (int i = 0; i < 37; i++) Assert.Equal(a[i] * 3f, r[i]);
        Backend.Copy(b, r);
        Assert.Equal(b.ToArray(), r.ToArray());
    }
}
