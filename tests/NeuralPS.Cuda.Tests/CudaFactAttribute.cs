using NeuralPS.Cuda;
using Xunit;

namespace NeuralPS.Cuda.Tests;

/// <summary>A test that needs a usable CUDA device; skipped, with the provider's reason, when there is none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (CudaDevice.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>A theory that needs a usable CUDA device; skipped with the reason when there is none.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (CudaDevice.SkipReason is string reason) Skip = reason;
    }
}

internal static class CudaDevice
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        var provider = CudaRegistration.Register();
        var backend = provider.TryCreate(out string why);
        return backend is null ? "No usable CUDA backend: " + why : null;
    });

    public static string? SkipReason => Reason.Value;
}
