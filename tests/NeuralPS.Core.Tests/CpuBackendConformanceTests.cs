using NeuralPS.Conformance;
using NeuralPS.Core.Backends;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>The shared backend conformance suite (tests/Conformance) on the CPU backend.</summary>
public class CpuBackendConformanceTests
{
    public static IEnumerable<object[]> Cases => BackendConformance.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cpu(string primitive) => BackendConformance.Run(primitive, CpuBackend.Instance);
}
