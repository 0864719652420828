using System.Runtime.InteropServices;
using System.Security.Cryptography;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>A short description of a dataset that changes when any sample, label or target changes:
/// "150 samples of (4), 3 classes, SHA-256 1f2e…" (the first 16 hex digits of the SHA-256 of the
/// features' and labels' bytes). A checkpoint records it; resuming on other data is refused.</summary>
public static class DataFingerprint
{
    public static string Of(Dataset? data)
    {
        if (data is null) return "none";
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(MemoryMarshal.AsBytes(data.Features.Span));
        if (data.ClassLabels is { } labels) sha.AppendData(MemoryMarshal.AsBytes(labels.AsSpan()));
        if (data.Targets is { } targets) sha.AppendData(MemoryMarshal.AsBytes(targets.Span));
        string hash = Convert.ToHexString(sha.GetHashAndReset(), 0, 8).ToLowerInvariant();
        string kind = data.IsClassification ? $"{data.ClassCount} classes" : data.Targets is null ? "no labels" : $"{data.Targets.Columns} targets";
        return $"{data.Count} samples of {data.SampleShape}, {kind}, SHA-256 {hash}";
    }
}
