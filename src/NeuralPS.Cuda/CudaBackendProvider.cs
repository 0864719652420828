using NeuralPS.Core.Backends;
using NeuralPS.Cuda.Interop;

namespace NeuralPS.Cuda;

/// <summary>The CUDA side of the backend registry. It discovers devices through the driver API,
/// never throws on a machine without CUDA, and reports why it cannot provide a backend.
/// Device discovery is real; the GEMM/convolution kernels over cuBLAS/cuDNN are the next issue's work,
/// so <see cref="TryCreate"/> reports that and the registry falls back to the CPU.</summary>
public sealed class CudaBackendProvider : IBackendProvider
{
    private IReadOnlyList<DeviceInfo>? _devices;
    private string _status = "not probed";

    public string Name => "cuda";

    public IReadOnlyList<DeviceInfo> Devices => _devices ??= Probe();

    /// <summary>Why no device is usable, or the driver version when devices were found.</summary>
    public string Status
    {
        get { _ = Devices; return _status; }
    }

    public IBackend? TryCreate(out string reason)
    {
        var devices = Devices;
        if (devices.Count == 0)
        {
            reason = _status;
            return null;
        }
        reason = $"{devices.Count} CUDA device(s) found ({devices[0].Name}), but the cuBLAS/cuDNN kernels are not part of this build yet";
        return null;
    }

    private IReadOnlyList<DeviceInfo> Probe()
    {
        try
        {
            if (!CudaLibrary.TryLoadDriver())
            {
                _status = CudaLibrary.LoadError ?? "no CUDA driver";
                return Array.Empty<DeviceInfo>();
            }
            CudaDriver.Init();
            int version = CudaDriver.DriverVersion();
            int count = CudaDriver.DeviceCount();
            if (count == 0)
            {
                _status = $"CUDA driver {version / 1000}.{version % 1000 / 10} loaded from {CudaLibrary.LoadedDriver}, but it reports no device";
                return Array.Empty<DeviceInfo>();
            }
            var list = new List<DeviceInfo>(count);
            for (int i = 0; i < count; i++)
            {
                var d = CudaDriver.Describe(i);
                list.Add(new DeviceInfo("cuda", i, d.Name, d.Multiprocessors, $"sm_{d.Major}{d.Minor}", d.TotalMemory, Available: false,
                    Status: "device found; CUDA kernels not in this build"));
            }
            _status = $"CUDA driver {version / 1000}.{version % 1000 / 10} from {CudaLibrary.LoadedDriver}";
            return list;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or Core.NeuralException or BadImageFormatException)
        {
            _status = "CUDA driver unusable: " + e.Message;
            return Array.Empty<DeviceInfo>();
        }
    }
}

/// <summary>Registers the CUDA provider with Core's registry (called by the module at import and by hosts).</summary>
public static class CudaRegistration
{
    private static readonly CudaBackendProvider Provider = new();

    public static CudaBackendProvider Register()
    {
        BackendRegistry.Register(Provider);
        return Provider;
    }
}
