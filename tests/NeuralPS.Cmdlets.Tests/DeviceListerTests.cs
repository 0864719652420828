using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Backends;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Get-NeuralDevice: the CPU first, then each backend provider's devices.</summary>
public sealed class DeviceListerTests
{
    private sealed class FakeProvider : IBackendProvider
    {
        public string Name => "fake";
        public IReadOnlyList<DeviceInfo> Devices { get; } = new[] { new DeviceInfo("fake", 0, "Fake GPU", 80, "sm_90", 80L << 30, true, "ok") };
        public IBackend? TryCreate(out string reason) { reason = "fake"; return null; }
    }

    private sealed class BrokenProvider : IBackendProvider
    {
        public string Name => "broken";
        public IReadOnlyList<DeviceInfo> Devices => throw new DllNotFoundException("libbroken.so");
        public IBackend? TryCreate(out string reason) { reason = "broken"; return null; }
    }

    [Fact]
    public void The_CPU_comes_first_with_its_cores_and_SIMD_width()
    {
        var cpu = DeviceLister.List(Array.Empty<IBackendProvider>()).Single();
        Assert.Equal("cpu", cpu.Backend);
        Assert.Equal(Environment.ProcessorCount, cpu.Cores);
        Assert.Equal(CpuBackend.SimdDescription, cpu.Simd);
        Assert.True(cpu.Available);
        Assert.Contains(CpuBackend.SimdWidth.ToString(System.Globalization.CultureInfo.InvariantCulture), cpu.Status);
        Assert.False(string.IsNullOrWhiteSpace(cpu.Name));
        Assert.True(cpu.MemoryBytes > 0);
    }

    [Fact]
    public void Provider_devices_follow_the_CPU()
    {
        var list = DeviceLister.List(new IBackendProvider[] { new FakeProvider() });
        Assert.Equal(new[] { "cpu", "fake" }, list.Select(d => d.Backend));
        Assert.Equal("Fake GPU", list[1].Name);
    }

    [Fact]
    public void A_broken_provider_shows_as_unavailable_and_does_not_hide_the_CPU()
    {
        var list = DeviceLister.List(new IBackendProvider[] { new BrokenProvider() });
        Assert.Equal(2, list.Count);
        Assert.False(list[1].Available);
        Assert.Contains("libbroken", list[1].Status);
    }

    [Fact]
    public void The_registered_CUDA_provider_lists_without_throwing_on_a_machine_without_CUDA()
    {
        Loader.ModuleInitializer.RegisterBackends();
        var list = DeviceLister.List();
        Assert.Equal("cpu", list[0].Backend);
        Assert.Contains(BackendRegistry.RegisteredProviders, p => p.Name == "cuda");
    }
}
