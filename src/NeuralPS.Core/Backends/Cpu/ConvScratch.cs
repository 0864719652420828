namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The pooled work buffers of the convolution kernels (the im2col matrix and a staging buffer
/// for outputs/gradients of a chunk of images). One set per thread that calls the backend, grown on
/// demand and kept, so a steady-state training step allocates nothing. Pinned, so the kernels take raw
/// pointers without a fixed statement per call.</summary>
internal static class ConvScratch
{
    [ThreadStatic] private static float[]? _columns;
    [ThreadStatic] private static float[]? _staging;
    [ThreadStatic] private static float[]? _partials;
    [ThreadStatic] private static float[]? _output;
    [ThreadStatic] private static float[]? _weights;

    /// <summary>At least <paramref name="count"/> floats for the im2col / col2im matrix.</summary>
    public static float[] Columns(long count) => Grow(ref _columns, count);

    /// <summary>At least <paramref name="count"/> floats for a chunk's [K, nb·OH·OW] outputs or gradients.</summary>
    public static float[] Staging(long count) => Grow(ref _staging, count);

    /// <summary>At least <paramref name="count"/> floats for per-thread partial filter gradients (caller's thread).</summary>
    public static float[] Partials(long count) => Grow(ref _partials, count);

    /// <summary>At least <paramref name="count"/> floats for a chunk's pixel-major outputs or output gradients.</summary>
    public static float[] Output(long count) => Grow(ref _output, count);

    /// <summary>At least <paramref name="count"/> floats for reordered weights (caller's thread, read by the parts).</summary>
    public static float[] Weights(long count) => Grow(ref _weights, count);

    private static float[] Grow(ref float[]? buffer, long count)
    {
        if (count > Array.MaxLength) throw new InvalidConfigurationException($"A convolution work buffer of {count} floats is too large; use a smaller batch.");
        if (buffer is null || buffer.Length < count)
            buffer = GC.AllocateUninitializedArray<float>((int)Math.Max(count + 64, 1024), pinned: true);
        return buffer;
    }
}
