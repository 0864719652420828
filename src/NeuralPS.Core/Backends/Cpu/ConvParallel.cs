namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Splits the memory-bound loops of the convolution/pooling kernels (im2col, col2im, scatter,
/// pooling, batch norm) into one contiguous range per core. These loops never call the SGEMM, so
/// running them on all cores does not nest with the SGEMM's own threads; a loop below
/// <see cref="MinParallelWork"/> element-operations stays on the calling thread, where waking a
/// second core (~7 µs hot, ~1 ms cold) would cost more than it saves.</summary>
internal static class ConvParallel
{
    public const long MinParallelWork = 64 * 1024;

    public static int Threads => Environment.ProcessorCount;

    /// <summary>Runs body(start, end) over [0, count) in at most <see cref="Threads"/> contiguous ranges.</summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        int t = Math.Min(Threads, count);
        if (t <= 1 || count * workPerItem < MinParallelWork)
        {
            if (count > 0) body(0, count);
            return;
        }
        Parallel.For(0, t, w =>
        {
            int s = (int)((long)count * w / t), e = (int)((long)count * (w + 1) / t);
            if (s < e) body(s, e);
        });
    }
}
