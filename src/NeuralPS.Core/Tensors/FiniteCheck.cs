using System.Numerics;
using System.Runtime.InteropServices;

namespace NeuralPS.Core.Tensors;

/// <summary>Whether float data holds NaN or ±Inf. x − x is 0 for every finite x and NaN otherwise, so one
/// vector subtract-and-accumulate per element tells (at memory speed, any SIMD width); the position is
/// searched for only once something was found.</summary>
public static class FiniteCheck
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        var acc = Vector<float>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (var v in vectors) acc += v - v;
        float tail = 0f;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++) tail += values[i] - values[i];
        return Vector.Dot(acc, Vector<float>.One) + tail == 0f;
    }

    /// <summary>The largest |x| (0 for no values): NaN when any value is NaN, else +∞ when any is infinite. One
    /// integer max per element over the bit patterns with the sign cleared: for non-negative floats the patterns
    /// order as the values do, and every NaN's lies above +∞'s (0x7F800000), so the one maximum tells all three,
    /// at memory speed. (TensorPrimitives.MaxMagnitude took ~0.1 ms for the MLP's 203k gradients, 10 % of a
    /// training step.)</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static float MaxMagnitude(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        var vectors = MemoryMarshal.Cast<int, Vector<int>>(bits);
        var magnitude = new Vector<int>(int.MaxValue);
        Vector<int> m0 = Vector<int>.Zero, m1 = Vector<int>.Zero, m2 = Vector<int>.Zero, m3 = Vector<int>.Zero;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            m0 = Vector.Max(m0, vectors[i] & magnitude);
            m1 = Vector.Max(m1, vectors[i + 1] & magnitude);
            m2 = Vector.Max(m2, vectors[i + 2] & magnitude);
            m3 = Vector.Max(m3, vectors[i + 3] & magnitude);
        }
        for (; i < vectors.Length; i++) m0 = Vector.Max(m0, vectors[i] & magnitude);
        m0 = Vector.Max(Vector.Max(m0, m1), Vector.Max(m2, m3));
        int max = 0;
        for (int l = 0; l < Vector<int>.Count; l++) max = Math.Max(max, m0[l]);
        for (int t = vectors.Length * Vector<int>.Count; t < bits.Length; t++) max = Math.Max(max, bits[t] & int.MaxValue);
        return max > 0x7F800000 ? float.NaN : BitConverter.Int32BitsToSingle(max);
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
