using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using Xunit;

namespace NeuralPS.Core.Tests.Backends;

/// <summary>ActivationKernels.IsKnown is a range check standing in for Enum.IsDefined on the hot path; it holds only
/// while the kinds are 0 .. LastKind without gaps.</summary>
public class ActivationKindTests
{
    [Fact]
    public void Kinds_AreContiguousFromZero_UpToLastKind()
    {
        var values = Enum.GetValues<ActivationKind>().Select(k => (int)k).OrderBy(v => v).ToArray();
        Assert.Equal(Enumerable.Range(0, values.Length), values);
        Assert.Equal((int)ActivationKernels.LastKind, values[^1]);
    }

    [Fact]
    public void IsKnown_AgreesWithEnumIsDefined()
    {
        for (int v = -3; v <= (int)ActivationKernels.LastKind + 3; v++)
            Assert.Equal(Enum.IsDefined((ActivationKind)v), ActivationKernels.IsKnown((ActivationKind)v));
        Assert.False(ActivationKernels.IsKnown((ActivationKind)int.MinValue));
    }
}
