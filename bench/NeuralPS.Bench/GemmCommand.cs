using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NeuralPS.Bench.Kernels;
using NeuralPS.Core.Backends.Cpu;

namespace NeuralPS.Bench;

/// <summary>`NeuralPS.Bench gemm`: SGEMM GFLOP/s of NeuralPS vs OpenBLAS in the same process, interleaved
/// (alternating time slices, alternating order), at each thread count. One JSON line per (shape, threads)
/// on stdout, a table on stderr.
/// Options: --quick, --threads 1,2, --shapes 1024,sgemm-128x784x256,TN:256x784x128, --rounds N,
/// --slice-ms N, --settle-ms N, --clock wall|cpu, and (for tuning) --mc, --kc, --nc, --threshold to override the blocking.
/// --clock cpu divides by CPU time (the calling thread's at 1 thread, else the process's over the thread
/// count) instead of wall time: on a
/// machine shared with other jobs it measures the work, not the time spent descheduled (use it for
/// tuning; the ratios of record are wall-clock).
/// --settle-ms (default 150 at 2+ threads): a pause before every timed slice. OpenBLAS's worker threads busy-wait
/// for about 2^28 cycles (~0.1 s) after a call, so a NeuralPS slice that followed an OpenBLAS slice ran with a spinning
/// thread on its second core (the MLP shapes at 2 threads read 0.63-0.64x in a quick run, 1.07-1.23x run alone);
/// NeuralPS's workers block after 0.5 ms. The pause lets both libraries' threads go idle before each slice.</summary>
public static unsafe class GemmCommand
{
    public static int Run(string[] args)
    {
        bool quick = false;
        int[] threadCounts = { 1, 2 };
        IReadOnlyList<GemmShape>? shapes = null;
        int rounds = -1, sliceMs = -1, settleMs = 150;
        bool cpuClock = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--quick": quick = true; break;
                case "--threads": threadCounts = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--shapes": shapes = Next().Split(',').Select(GemmShape.Parse).ToArray(); break;
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--slice-ms": sliceMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--settle-ms": settleMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--clock":
                    string clock = Next();
                    cpuClock = clock == "cpu" ? true : clock == "wall" ? false : throw new ArgumentException("--clock is wall or cpu.");
                    break;
                case "--mc": SgemmBlocking.Mc = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--kc": SgemmBlocking.KcMax = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--nc": SgemmBlocking.Nc = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--sweep-bytes": SgemmBlocking.RowMajorSweepBytes = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threshold": SgemmBlocking.ParallelThreshold = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown gemm option '{a}'. Options: --quick --threads 1,2 --shapes a,b --rounds N --slice-ms N --settle-ms N");
            }
        }
        shapes ??= quick ? GemmShape.Quick : GemmShape.All;
        if (rounds < 0) rounds = quick ? 3 : 7;
        if (sliceMs < 0) sliceMs = quick ? 40 : 100;

        if (!OpenBlas.TryLoad(out string error))
        {
            Console.Error.WriteLine(error);
            return 1;
        }
        Console.Error.WriteLine($"OpenBLAS: {OpenBlas.Description}");
        Console.Error.WriteLine($"NeuralPS: {NeuralPS.Core.Backends.CpuBackend.SimdDescription}, MC={SgemmBlocking.Mc} KCmax={SgemmBlocking.KcMax} NC={SgemmBlocking.Nc}, parallel above {SgemmBlocking.ParallelThreshold} FMAs");
        Console.Error.WriteLine($"Load average before: {LoadAverage()}");
        var peak = threadCounts.Distinct().ToDictionary(t => t, t => FmaPeak.MeasureGflops(t));
        Console.Error.WriteLine("Measured FMA peak (Vector512 FMA loop): " + string.Join(", ", peak.Select(p => $"{p.Value:F0} GFLOP/s at {p.Key} thread(s)")));

        var rows = new List<string>();
        foreach (var shape in shapes)
        {
            using var data = new GemmData(shape);
            foreach (int threads in threadCounts)
            {
                Sgemm.MaxThreads = threads;
                OpenBlas.SetThreads(threads);
                double maxDiff = data.Verify();
                var ours = new List<double>();
                var theirs = new List<double>();
                Func<long> clock = !cpuClock ? CpuClock.WallNanoseconds : threads == 1 ? CpuClock.ThreadNanoseconds : CpuClock.ProcessNanoseconds;
                double scale = cpuClock ? threads : 1;
                Measure(data.RunNeuralPS, shape, 20, clock, scale); // warm up both (JIT, packing buffers, thread pools)
                Measure(data.RunOpenBlas, shape, 20, clock, scale);
                int settle = threads > 1 ? settleMs : 0;
                double Slice(Action run)
                {
                    if (settle > 0) Thread.Sleep(settle);
                    return Measure(run, shape, sliceMs, clock, scale);
                }
                for (int r = 0; r < rounds; r++)
                {
                    if (r % 2 == 0)
                    {
                        ours.Add(Slice(data.RunNeuralPS));
                        theirs.Add(Slice(data.RunOpenBlas));
                    }
                    else
                    {
                        theirs.Add(Slice(data.RunOpenBlas));
                        ours.Add(Slice(data.RunNeuralPS));
                    }
                }
                double n = Median(ours), o = Median(theirs), p = peak[threads];
                var json = new StringBuilder();
                json.Append(CultureInfo.InvariantCulture,
                    $"{{\"workload\":\"{shape.Name}\",\"metric\":\"gflops\",\"neuralps\":{n:F2},\"reference\":{o:F2},\"reference_name\":\"openblas\",\"higher_is_better\":true,\"threads\":{threads}");
                json.Append(CultureInfo.InvariantCulture,
                    $",\"ratio\":{n / o:F3},\"neuralps_best\":{ours.Max():F2},\"reference_best\":{theirs.Max():F2},\"simd_path\":\"{FmaPeak.Path}\",\"fma_peak_gflops\":{p:F1},\"neuralps_fraction_of_peak\":{n / p:F3},\"reference_fraction_of_peak\":{o / p:F3},\"layout\":\"{shape.Layout}\",\"max_rel_diff\":{maxDiff:E1}}}");
                Console.WriteLine(json.ToString());
                Console.Out.Flush();
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name,-22} {shape.Layout,-17} {threads,2} {n,9:F1} {o,9:F1} {n / o,7:F2}x {100 * n / p,6:F0}% {100 * o / p,6:F0}%"));
                if (maxDiff > 1e-3) Console.Error.WriteLine($"WARNING: {shape.Name} results differ from OpenBLAS by {maxDiff:E2} (relative)");
            }
        }
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{"workload",-22} {"layout MxNxK",-17} {"th",2} {"NeuralPS",9} {"OpenBLAS",9} {"ratio",8} {"N%peak",7} {"O%peak",7}   (GFLOP/s, median of {rounds} interleaved rounds)");
        foreach (string r in rows) Console.Error.WriteLine(r);
        Console.Error.WriteLine($"Load average after: {LoadAverage()}");
        return 0;
    }

    private static double Measure(Action run, GemmShape shape, int sliceMs, Func<long> clock, double threadsScale)
    {
        // Calls are timed in batches of ≥ ~0.5 ms, so reading the clock (a system call for CPU time)
        // stays negligible next to a few-µs GEMM.
        long t0 = clock();
        run();
        long single = Math.Max(1, clock() - t0);
        int batch = (int)Math.Clamp(500_000 / single, 1, 10_000);
        long deadline = sliceMs * 1_000_000L;
        long reps = 0;
        long start = clock();
        long elapsed;
        do
        {
            for (int i = 0; i < batch; i++) run();
            reps += batch;
            elapsed = clock() - start;
        } while (elapsed * (1 / threadsScale) < deadline);
        return shape.Flops * reps / (elapsed / threadsScale * 1e-9) / 1e9;
    }

    /// <summary>Wall clock, or the process's CPU time (clock_gettime(CLOCK_PROCESS_CPUTIME_ID)), in ns.</summary>
    private static class CpuClock
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec { public long Sec; public long Nsec; }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out Timespec ts);

        public static long ProcessNanoseconds()
        {
            ClockGetTime(2, out var ts);
            return ts.Sec * 1_000_000_000L + ts.Nsec;
        }

        public static long ThreadNanoseconds()
        {
            ClockGetTime(3, out var ts);
            return ts.Sec * 1_000_000_000L + ts.Nsec;
        }

        public static long WallNanoseconds() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); }
        catch (IOException) { return "unknown"; }
    }

    /// <summary>64-byte aligned native operands of one shape, with C buffers for both libraries.</summary>
    private sealed class GemmData : IDisposable
    {
        private readonly GemmShape _s;
        private readonly float* _a, _b, _c1, _c2;

        public GemmData(GemmShape s)
        {
            _s = s;
            _a = Alloc((long)s.ARows * s.Lda);
            _b = Alloc((long)s.BRows * s.Ldb);
            _c1 = Alloc((long)s.M * s.N);
            _c2 = Alloc((long)s.M * s.N);
            var rnd = new Random(42);
            for (long i = 0; i < (long)s.ARows * s.Lda; i++) _a[i] = (float)(rnd.NextDouble() * 2 - 1);
            for (long i = 0; i < (long)s.BRows * s.Ldb; i++) _b[i] = (float)(rnd.NextDouble() * 2 - 1);
        }

        public void RunNeuralPS() => Sgemm.Multiply(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a, _s.Lda, _b, _s.Ldb, 0f, _c1, _s.N);

        public void RunOpenBlas() => OpenBlas.Sgemm(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a, _s.Lda, _b, _s.Ldb, 0f, _c2, _s.N);

        /// <summary>Largest |ours − OpenBLAS| relative to the largest |C| (sanity check of the harness).</summary>
        public double Verify()
        {
            RunNeuralPS();
            RunOpenBlas();
            double diff = 0, scale = 1e-30;
            for (long i = 0; i < (long)_s.M * _s.N; i++)
            {
                diff = Math.Max(diff, Math.Abs(_c1[i] - _c2[i]));
                scale = Math.Max(scale, Math.Abs(_c2[i]));
            }
            return diff / scale;
        }

        private static float* Alloc(long n) => (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(n, 1) * sizeof(float)), 64);

        public void Dispose()
        {
            NativeMemory.AlignedFree(_a);
            NativeMemory.AlignedFree(_b);
            NativeMemory.AlignedFree(_c1);
            NativeMemory.AlignedFree(_c2);
        }
    }
}
