using System.Runtime.InteropServices;
using NeuralPS.Core.Backends;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Get-NeuralDevice: the CPU as the CPU backend uses it (cores, the SIMD width its kernels
/// use) followed by the devices every registered backend provider (CUDA, ...) can see.</summary>
internal static class DeviceLister
{
    public static IReadOnlyList<DeviceInfo> List(IEnumerable<IBackendProvider>? providers = null)
    {
        var devices = new List<DeviceInfo> { Cpu() };
        foreach (var provider in providers ?? BackendRegistry.RegisteredProviders)
        {
            IReadOnlyList<DeviceInfo> found;
            try
            {
                found = provider.Devices;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A provider must not throw here, but a broken driver must not hide the CPU either.
                found = new[] { new DeviceInfo(provider.Name, 0, "(unavailable)", 0, string.Empty, 0, false, e.Message) };
            }
            devices.AddRange(found);
        }
        return devices;
    }

    public static DeviceInfo Cpu() => new(
        Backend: "cpu",
        Index: 0,
        Name: CpuModelName(),
        Cores: Environment.ProcessorCount,
        Simd: CpuBackend.SimdDescription,
        MemoryBytes: GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        Available: true,
        Status: $"Ready ({CpuBackend.SimdWidth} float32 lanes per SIMD register)");

    /// <summary>The processor's marketing name where the OS tells it cheaply, else the architecture.</summary>
    public static string CpuModelName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        if (colon > 0) return line[(colon + 1)..].Trim();
                    }
                }
            }
            string? id = Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
            if (!string.IsNullOrWhiteSpace(id)) return id.Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString() + " CPU";
    }
}
