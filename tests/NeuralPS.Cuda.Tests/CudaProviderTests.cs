using NeuralPS.Core.Backends;
using NeuralPS.Cuda;
using Xunit;

namespace NeuralPS.Cuda.Tests;

public class CudaProviderTests
{
    [Fact]
    public void Probe_NeverThrows_AndExplainsItself()
    {
        var provider = CudaRegistration.Register();
        var devices = provider.Devices;
        Assert.NotNull(devices);
        Assert.False(string.IsNullOrWhiteSpace(provider.Status));
        var backend = provider.TryCreate(out string reason);
        if (backend is null) Assert.False(string.IsNullOrWhiteSpace(reason));
    }

    [Fact]
    public void AutoSelection_FallsBackToCpu_WithAMessage_WhenNoCudaBackend()
    {
        var provider = CudaRegistration.Register();
        var messages = new List<string>();
        var backend = BackendRegistry.Select("auto", messages.Add);
        if (provider.TryCreate(out _) is null)
        {
            Assert.Equal("cpu", backend.Name);
            Assert.Contains(messages, m => m.Contains("falling back to CPU", StringComparison.Ordinal));
        }
        Assert.NotEmpty(messages);
    }

    [CudaFact]
    public void Device_ReportsNameAndMemory()
    {
        var provider = CudaRegistration.Register();
        Assert.NotEmpty(provider.Devices);
        Assert.All(provider.Devices, d => Assert.True(d.MemoryBytes > 0));
    }
}
