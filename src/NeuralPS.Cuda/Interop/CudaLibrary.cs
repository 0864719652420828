using System.Reflection;
using System.Runtime.InteropServices;

namespace NeuralPS.Cuda.Interop;

/// <summary>Finds the CUDA driver library at run time. The P/Invoke declarations name a logical
/// library ("cuda"); the resolver maps it to the first of the versioned file names that loads
/// (or to NEURALPS_CUDA_DRIVER when set) and remembers which one it used, so a machine without CUDA
/// never fails at import: it just reports "not found".</summary>
internal static class CudaLibrary
{
    public const string Driver = "neuralps-cuda-driver";

    private static readonly string[] DriverCandidates = OperatingSystem.IsWindows()
        ? new[] { "nvcuda.dll" }
        : new[] { "libcuda.so.1", "libcuda.so" };

    private static readonly object Gate = new();
    private static bool _registered;
    private static IntPtr _driverHandle;

    /// <summary>The file the driver was loaded from, or null when none loaded.</summary>
    public static string? LoadedDriver { get; private set; }

    /// <summary>Why the driver is unavailable (null when it loaded).</summary>
    public static string? LoadError { get; private set; }

    public static bool TryLoadDriver()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                NativeLibrary.SetDllImportResolver(typeof(CudaLibrary).Assembly, Resolve);
                _registered = true;
            }
            if (_driverHandle != IntPtr.Zero) return true;
            var tried = new List<string>();
            foreach (string name in Candidates())
            {
                tried.Add(name);
                if (NativeLibrary.TryLoad(name, out _driverHandle))
                {
                    LoadedDriver = name;
                    LoadError = null;
                    return true;
                }
            }
            LoadError = "no CUDA driver library found (tried " + string.Join(", ", tried) + "; set NEURALPS_CUDA_DRIVER to its path to override)";
            return false;
        }
    }

    private static IEnumerable<string> Candidates()
    {
        string? over = Environment.GetEnvironmentVariable("NEURALPS_CUDA_DRIVER");
        if (!string.IsNullOrWhiteSpace(over)) yield return over;
        foreach (var c in DriverCandidates) yield return c;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == Driver && (_driverHandle != IntPtr.Zero || TryLoadDriver())) return _driverHandle;
        return IntPtr.Zero;
    }
}
