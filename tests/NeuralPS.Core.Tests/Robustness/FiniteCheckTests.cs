using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>FiniteCheck.MaxMagnitude (the training guard's scan of every gradient and weight) against a plain
/// loop, at lengths around the vector width and its 4-vector unrolling, with NaN, ±∞, −0 and subnormals placed
/// in the unrolled body, the single-vector loop and the scalar tail.</summary>
public sealed class FiniteCheckTests
{
    private static float Expected(float[] v)
    {
        float max = 0;
        foreach (float x in v)
        {
            if (float.IsNaN(x)) return float.NaN;
            max = Math.Max(max, Math.Abs(x));
        }
        return max;
    }

    public static IEnumerable<object[]> Lengths() =>
        new[] { 0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 200, 1000, 4099 }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Matches_a_plain_loop_for_finite_values(int n)
    {
        var rng = new Random(n + 1);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-40, 30)));
        Assert.Equal(Expected(v), FiniteCheck.MaxMagnitude(v));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_position_of_the_largest_negative_value_is_found(int n)
    {
        for (int at = 0; at < n; at++)
        {
            var v = Enumerable.Range(0, n).Select(i => (float)(i % 7) - 3f).ToArray();
            v[at] = -1e30f;
            Assert.Equal(1e30f, FiniteCheck.MaxMagnitude(v));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void NaN_wins_over_infinity_and_infinity_over_finite_values_wherever_they_are(int n)
    {
        if (n == 0) return;
        foreach (int at in new[] { 0, n / 2, n - 1 })
        {
            var v = Enumerable.Range(0, n).Select(i => i * 0.5f - 7f).ToArray();
            v[at] = float.NegativeInfinity;
            Assert.Equal(float.PositiveInfinity, FiniteCheck.MaxMagnitude(v));
            v[(at + 1) % n] = -float.NaN;
            if (n == 1) v[0] = float.NaN;
            Assert.True(float.IsNaN(FiniteCheck.MaxMagnitude(v)), $"n={n} at={at}");
        }
    }

    [Fact]
    public void Empty_negative_zero_and_subnormals()
    {
        Assert.Equal(0f, FiniteCheck.MaxMagnitude(ReadOnlySpan<float>.Empty));
        Assert.Equal(0f, FiniteCheck.MaxMagnitude(new[] { -0f, -0f, -0f }));
        float tiny = float.Epsilon * 3;
        Assert.Equal(tiny, FiniteCheck.MaxMagnitude(new[] { 0f, -tiny, float.Epsilon }));
        Assert.Equal(float.MaxValue, FiniteCheck.MaxMagnitude(new[] { 1f, -float.MaxValue, 2f }));
    }
}
