using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Bench.Kernels;

/// <summary>Measures this CPU's FMA peak right now: 12 independent chains of Vector512 FMAs (enough to hide
/// the FMA latency) on each of `threads` threads. Clock and FMA units per core (1 on AMD Zen 4, 2 on
/// Intel server cores) are both folded into the number, so "fraction of peak" is measured, not assumed.
/// Each thread divides by its own CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so the figure is
/// what the cores deliver while running, even on a machine shared with other jobs.</summary>
internal static class FmaPeak
{
    public static double MeasureGflops(int threads, int milliseconds = 150)
    {
        if (!Avx512F.IsSupported) return double.NaN;
        const long Iterations = 4_000_000;
        Chains(1000); // JIT
        double best = 0;
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < milliseconds || best == 0)
        {
            var ts = new Thread[threads];
            var rates = new double[threads];
            for (int t = 0; t < threads; t++)
            {
                int index = t;
                ts[t] = new Thread(() =>
                {
                    long t0 = ThreadCpuNanoseconds();
                    Chains(Iterations);
                    rates[index] = Iterations * 12.0 * 32.0 / (ThreadCpuNanoseconds() - t0); // GFLOP/s
                });
                ts[t].Start();
            }
            foreach (var t in ts) t.Join();
            best = Math.Max(best, rates.Sum());
        }
        return best;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Sec; public long Nsec; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);

    private static long ThreadCpuNanoseconds()
    {
        ClockGetTime(3, out var ts); // CLOCK_THREAD_CPUTIME_ID
        return ts.Sec * 1_000_000_000L + ts.Nsec;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, m, a); c1 = Avx512F.FusedMultiplyAdd(c1, m, a);
            c2 = Avx512F.FusedMultiplyAdd(c2, m, a); c3 = Avx512F.FusedMultiplyAdd(c3, m, a);
            c4 = Avx512F.FusedMultiplyAdd(c4, m, a); c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, m, a); c7 = Avx512F.FusedMultiplyAdd(c7, m, a);
            c8 = Avx512F.FusedMultiplyAdd(c8, m, a); c9 = Avx512F.FusedMultiplyAdd(c9, m, a);
            c10 = Avx512F.FusedMultiplyAdd(c10, m, a); c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
