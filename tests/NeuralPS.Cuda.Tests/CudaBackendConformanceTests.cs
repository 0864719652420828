using NeuralPS.Conformance;
using NeuralPS.Core.Backends;
using Xunit;

namespace NeuralPS.Cuda.Tests;

/// <summary>The shared backend conformance suite (tests/Conformance) on the CUDA backend; every case is
/// skipped with the provider's reason when no usable CUDA backend is present.</summary>
public class CudaBackendConformanceTests
{
    public static IEnumerable<object[]> Cases => BackendConformance.Cases;

    [CudaTheory]
    [MemberData(nameof(Cases))]
    public void Cuda(string primitive) => BackendConformance.Run(primitive, BackendRegistry.Select("cuda"));
}
