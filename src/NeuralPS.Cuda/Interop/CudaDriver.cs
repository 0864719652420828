using System.Runtime.InteropServices;
using System.Text;
using NeuralPS.Core;

namespace NeuralPS.Cuda.Interop;

/// <summary>The few CUDA driver API entry points the backend seam needs (device discovery).
/// Every status code is checked and turned into an exception that names the call.</summary>
internal static unsafe partial class CudaDriver
{
    public const int Success = 0;

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuInit")]
    private static partial int cuInit(uint flags);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDriverGetVersion")]
    private static partial int cuDriverGetVersion(out int version);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDeviceGetCount")]
    private static partial int cuDeviceGetCount(out int count);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDeviceGet")]
    private static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDeviceGetName")]
    private static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDeviceTotalMem_v2")]
    private static partial int cuDeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(CudaLibrary.Driver, EntryPoint = "cuDeviceGetAttribute")]
    private static partial int cuDeviceGetAttribute(out int value, int attribute, int device);

    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    public static void Check(int status, string call)
    {
        if (status != Success) throw new NeuralException($"CUDA driver call {call} failed with status {status} ({StatusName(status)}).");
    }

    public static string StatusName(int status) => status switch
    {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        35 => "CUDA_ERROR_INSUFFICIENT_DRIVER",
        100 => "CUDA_ERROR_NO_DEVICE",
        101 => "CUDA_ERROR_INVALID_DEVICE",
        999 => "CUDA_ERROR_UNKNOWN",
        _ => "see cuda.h CUresult",
    };

    public static void Init() => Check(cuInit(0), "cuInit");

    public static int DriverVersion()
    {
        Check(cuDriverGetVersion(out int v), "cuDriverGetVersion");
        return v;
    }

    /// <summary>Device count; CUDA_ERROR_NO_DEVICE is reported as zero, not as an error.</summary>
    public static int DeviceCount()
    {
        int status = cuDeviceGetCount(out int count);
        if (status == 100) return 0;
        Check(status, "cuDeviceGetCount");
        return count;
    }

    public static (string Name, long TotalMemory, int Multiprocessors, int Major, int Minor) Describe(int ordinal)
    {
        Check(cuDeviceGet(out int device, ordinal), "cuDeviceGet");
        var buffer = stackalloc byte[256];
        Check(cuDeviceGetName(buffer, 256, device), "cuDeviceGetName");
        int len = 0;
        while (len < 256 && buffer[len] != 0) len++;
        string name = Encoding.UTF8.GetString(buffer, len);
        Check(cuDeviceTotalMem(out nuint bytes, device), "cuDeviceTotalMem_v2");
        Check(cuDeviceGetAttribute(out int sms, AttributeMultiprocessorCount, device), "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)");
        Check(cuDeviceGetAttribute(out int major, AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        Check(cuDeviceGetAttribute(out int minor, AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        return (name, (long)bytes, sms, major, minor);
    }
}
