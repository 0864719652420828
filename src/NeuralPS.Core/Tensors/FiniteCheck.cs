using System.Numerics;
using System.Runtime.InteropServices;

namespace NeuralPS.Core.Tensors;

/// <summary>Whether float data holds NaN or ±Inf. x − x is 0 for every finite x and NaN otherwise, so one
/// vector subtract-and-accumulate per element tells (at memory speed, any SIMD width); the position is
/// searched for only once something was found.</summary>
public static class FiniteCheck
{
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        var acc = Vector<float>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (var v in vectors) acc += v - v;
        float tail = 0f;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++) tail += values[i] - values[i];
        return Vector.Dot(acc, Vector<float>.One) + tail == 0f;
    }

    /// <summary>Index of the first NaN or ±Inf, or −1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        if (AllFinite(values)) return -1;
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Number of NaN or ±Inf values.</summary>
    public static int CountNonFinite(ReadOnlySpan<float> values)
    {
        if (AllFinite(values)) return 0;
        int n = 0;
        foreach (float v in values) if (!float.IsFinite(v)) n++;
        return n;
    }
}
