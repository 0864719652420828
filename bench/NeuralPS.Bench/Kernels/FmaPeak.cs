using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench.Kernels;

/// <summary>Measures this CPU's FMA peak right now on the widest vector path .NET takes here (AVX-512, AVX2
/// or 128-bit: the same path the SGEMM runs; DOTNET_EnableAVX512F=0 measures the AVX2 peak): 12 independent
/// chains of FMAs (enough to hide the FMA latency) on each of `threads` threads. Clock and FMA units per core (1 on AMD Zen 4, 2 on
/// Intel server cores) are both folded into the number, so "fraction of peak" is measured, not assumed.
/// Each thread divides by its own CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so the figure is
/// what the cores deliver while running, even on a machine shared with other jobs.</summary>
internal static class FmaPeak
{
    /// <summary>The vector path measured: "avx512", "avx2" or "128-bit".</summary>
    public static string Path => Simd512.IsSupported ? "avx512" : Simd256.IsSupported ? "avx2" : "128-bit";

    public static double MeasureGflops(int threads, int milliseconds = 150) =>
        Simd512.IsSupported ? Measure<Simd512, Vector512<float>>(threads, milliseconds)
        : Simd256.IsSupported ? Measure<Simd256, Vector256<float>>(threads, milliseconds)
        : Measure<Simd128, Vector128<float>>(threads, milliseconds);

    private static double Measure<TS, TV>(int threads, int milliseconds) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        const long Iterations = 4_000_000;
        Chains<TS, TV>(1000); // JIT
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
                    Chains<TS, TV>(Iterations);
                    rates[index] = Iterations * 12.0 * 2.0 * TS.Lanes / (ThreadCpuNanoseconds() - t0); // GFLOP/s
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
    private static float Chains<TS, TV>(long iterations) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var m = TS.Create(0.999999f);
        var a = TS.Create(1e-7f);
        TV c0 = TS.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TS.MultiplyAdd(c0, m, a); c1 = TS.MultiplyAdd(c1, m, a);
            c2 = TS.MultiplyAdd(c2, m, a); c3 = TS.MultiplyAdd(c3, m, a);
            c4 = TS.MultiplyAdd(c4, m, a); c5 = TS.MultiplyAdd(c5, m, a);
            c6 = TS.MultiplyAdd(c6, m, a); c7 = TS.MultiplyAdd(c7, m, a);
            c8 = TS.MultiplyAdd(c8, m, a); c9 = TS.MultiplyAdd(c9, m, a);
            c10 = TS.MultiplyAdd(c10, m, a); c11 = TS.MultiplyAdd(c11, m, a);
        }
        return TS.Sum(c0) + TS.Sum(c1) + TS.Sum(c2) + TS.Sum(c3) + TS.Sum(c4) + TS.Sum(c5)
             + TS.Sum(c6) + TS.Sum(c7) + TS.Sum(c8) + TS.Sum(c9) + TS.Sum(c10) + TS.Sum(c11);
    }
}
