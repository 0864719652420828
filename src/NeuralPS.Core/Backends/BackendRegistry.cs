namespace NeuralPS.Core.Backends;

/// <summary>Where backends announce themselves. Core knows only the CPU backend; NeuralPS.Cuda
/// registers a provider when it is loaded, and the provider is asked for a backend only at run time,
/// so a machine without CUDA never touches a CUDA library.</summary>
public static class BackendRegistry
{
    private static readonly List<IBackendProvider> Providers = new();
    private static readonly object Gate = new();

    public static void Register(IBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate)
        {
            if (!Providers.Any(p => p.Name == provider.Name)) Providers.Add(provider);
        }
    }

    public static IReadOnlyList<IBackendProvider> RegisteredProviders
    {
        get { lock (Gate) return Providers.ToArray(); }
    }

    /// <summary>Picks a backend: the named one ("cpu", "cuda"), or "auto" = the first registered
    /// provider that finds a device, else CPU. <paramref name="log"/> receives one line saying why.</summary>
    public static IBackend Select(string preference = "auto", Action<string>? log = null)
    {
        preference = string.IsNullOrWhiteSpace(preference) ? "auto" : preference.Trim().ToLowerInvariant();
        if (preference == "cpu")
        {
            log?.Invoke($"Using the CPU backend: {CpuBackend.Instance.Description}.");
            return CpuBackend.Instance;
        }
        foreach (var p in RegisteredProviders)
        {
            if (preference != "auto" && !preference.StartsWith(p.Name, StringComparison.Ordinal)) continue;
            var backend = p.TryCreate(out string reason);
            if (backend is not null)
            {
                log?.Invoke($"Using the {p.Name} backend: {backend.Description}.");
                return backend;
            }
            log?.Invoke($"The {p.Name} backend is not available ({reason}); falling back to CPU.");
        }
        if (preference != "auto" && preference != "cpu" && !RegisteredProviders.Any(p => preference.StartsWith(p.Name, StringComparison.Ordinal)))
            throw new InvalidConfigurationException($"Unknown backend '{preference}'. Known: cpu{string.Concat(RegisteredProviders.Select(p => ", " + p.Name))}, auto.");
        log?.Invoke($"Using the CPU backend: {CpuBackend.Instance.Description}.");
        return CpuBackend.Instance;
    }
}

/// <summary>A backend family that may or may not find a device at run time.</summary>
public interface IBackendProvider
{
    string Name { get; }

    /// <summary>Devices this provider can see (empty when none, never throws).</summary>
    IReadOnlyList<DeviceInfo> Devices { get; }

    /// <summary>The backend, or null with the reason when no usable device/library is present.</summary>
    IBackend? TryCreate(out string reason);
}

/// <summary>One compute device as Get-NeuralDevice shows it.</summary>
public sealed record DeviceInfo(string Backend, int Index, string Name, int Cores, string Simd, long MemoryBytes, bool Available, string Status);
