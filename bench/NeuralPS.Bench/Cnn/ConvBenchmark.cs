using System.Diagnostics;
using System.Globalization;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

using NeuralPS.Bench.Common;

namespace NeuralPS.Bench.Cnn;

/// <summary>GFLOP/s of NeuralPS's Conv2dForward / BackwardData / BackwardFilter on the seed CNN's two conv
/// shapes at batch 64, against the same im2col with OpenBLAS's SGEMM one image at a time (the classic
/// Caffe/PyTorch-THNN route), measured in interleaved time slices so clock drift and neighbours' load
/// hit both alike. FLOPs = 2·N·K·OH·OW·C·kh·kw per pass. One JSON line per (shape, pass):
/// {"workload":"conv-seed2-fwd","metric":"gflops","neuralps":…,"reference":…,"reference_name":"openblas-im2col",…}</summary>
internal static unsafe class ConvBenchmark
{
    public static int Run(bool quick, int rounds, int batch, bool sweep = false, bool winogradTiles = false, string[]? only = null, int[]? f6Chunks = null)
    {
        if (sweep) return Sweep(rounds, batch);
        if (winogradTiles) return WinogradTiles(rounds, batch, only, f6Chunks);
        bool haveBlas = BlasConv.TryLoad(out string blasError);
        if (!haveBlas) Console.Error.WriteLine($"reference unavailable: {blasError}");
        else BlasConv.SetThreads(ThreadSetting.Current);
        Console.Error.WriteLine($"NeuralPS {CpuBackend.Instance.Description}; im2col chunk {NeuralPS.Core.Backends.Cpu.ConvIm2ColGemm.ChunkColumns} columns; load {MachineLoad.LoadAverage1()}");
        var shapes = new (string Name, ConvolutionGeometry G)[]
        {
            ("conv-seed1", ConvolutionGeometry.Create(batch, 1, 28, 28, 32, 3, 3)),
            ("conv-seed2", ConvolutionGeometry.Create(batch, 32, 13, 13, 64, 3, 3)),
        };
        double sliceSeconds = quick ? 0.15 : 0.4;
        if (quick) rounds = Math.Min(rounds, 3);
        var backend = CpuBackend.Instance;
        foreach (var (name, g) in shapes)
        {
            var (x, w, y, dy, dx, dw) = Operands(g);
            var yRef = new Tensor(y.Shape);
            var col = GC.AllocateArray<float>(g.PatchSize * g.OutputPlane + 64, pinned: true);
            var passes = new (string Pass, Action Ours, Action Theirs)[]
            {
                ("fwd", () => backend.Conv2dForward(x, w, null, y, g),
                        () => { fixed (float* px = x.Data, pw = w.Data, py = yRef.Data, pc = col) BlasConv.Forward(px, pw, py, g, pc); }),
                ("bwd-data", () => backend.Conv2dBackwardData(dy, w, dx, g),
                        () => { fixed (float* pdy = dy.Data, pw = w.Data, pdx = dx.Data, pc = col) BlasConv.BackwardData(pdy, pw, pdx, g, pc); }),
                ("bwd-filter", () => backend.Conv2dBackwardFilter(x, dy, dw, null, g),
                        () => { fixed (float* px = x.Data, pdy = dy.Data, pdw = dw.Data, pc = col) BlasConv.BackwardFilter(px, pdy, pdw, g, pc); }),
            };
            // Agreement check (forward) so a fast wrong kernel cannot pass unnoticed.
            double maxDiff = double.NaN;
            if (haveBlas)
            {
                passes[0].Ours(); passes[0].Theirs();
                maxDiff = 0;
                for (int i = 0; i < y.Size; i++) maxDiff = Math.Max(maxDiff, Math.Abs(y[i] - yRef[i]) / (1 + Math.Abs(yRef[i])));
            }
            foreach (var (pass, ours, theirs) in passes)
            {
                var a = new List<double>();
                var b = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    a.Add(Rate(ours, g.Flops, sliceSeconds));
                    if (haveBlas) b.Add(Rate(theirs, g.Flops, sliceSeconds));
                }
                double n = Median(a), o = haveBlas ? Median(b) : double.NaN;
                BenchJson.Write(("workload", $"{name}-{pass}"), ("metric", "gflops"), ("neuralps", BenchJson.Round(n)), ("reference", haveBlas ? BenchJson.Round(o) : null),
                    ("reference_name", "openblas-im2col"), ("higher_is_better", true), ("threads", ThreadSetting.Current),
                    ("ratio", haveBlas ? BenchJson.Round(n / o, 3) : null), ("neuralps_best", BenchJson.Round(a.Max())), ("layout", Layout(g)),
                    ("max_rel_diff", haveBlas ? maxDiff : null), ("load1", MachineLoad.LoadAverage1()));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}-{pass,-10} {Layout(g),-34} NeuralPS {n,7:F1} GFLOP/s   OpenBLAS-im2col {o,7:F1}   ratio {n / o:F2}"));
            }
        }
        Console.Error.WriteLine($"load after: {MachineLoad.LoadAverage1()}");
        return 0;
    }

    /// <summary>Interleaved comparison of the CPU conv strategies (image-parallel vs threaded GEMM, chunk widths).</summary>
    private static int Sweep(int rounds, int batch)
    {
        var backend = CpuBackend.Instance;
        var variants = new (string Name, bool Rows, bool ImageParallel, int Chunk)[]
        {
            ("rows/512", true, true, 512), ("rows/1024", true, true, 1024), ("rows/2048", true, true, 2048),
            ("cols/1024", false, true, 1024), ("rows-gemm-par/4096", true, false, 4096), ("cols-gemm-par/4096", false, false, 4096),
        };
        bool cpuClock = ThreadSetting.Current == 1;
        Console.Error.WriteLine(cpuClock ? "GFLOP/s per thread-CPU-second (one thread: immune to the machine's load)" : "GFLOP/s of wall time");
        var shapes = new (string Name, ConvolutionGeometry G)[]
        {
            ("conv-seed2", ConvolutionGeometry.Create(batch, 32, 13, 13, 64, 3, 3)),
            ("resnet-14", ConvolutionGeometry.Create(batch, 32, 14, 14, 32, 3, 3, padding: PaddingMode.Same)),
            ("resnet-7", ConvolutionGeometry.Create(batch, 64, 7, 7, 64, 3, 3, padding: PaddingMode.Same)),
            ("resnet-7s2", ConvolutionGeometry.Create(batch, 32, 14, 14, 64, 3, 3, 2, 2, PaddingMode.Same)),
        };
        foreach (var (name, g) in shapes)
        {
            var (x, w, y, dy, dx, dw) = Operands(g);
            var passes = new (string Pass, Action Run)[]
            {
                ("fwd", () => backend.Conv2dForward(x, w, null, y, g)),
                ("bwd-data", () => backend.Conv2dBackwardData(dy, w, dx, g)),
                ("bwd-filter", () => backend.Conv2dBackwardFilter(x, dy, dw, null, g)),
            };
            foreach (var (pass, run) in passes)
            {
                var rates = variants.Select(_ => new List<double>()).ToArray();
                for (int r = 0; r < rounds; r++)
                    for (int v = 0; v < variants.Length; v++)
                    {
                        NeuralPS.Core.Backends.Cpu.ConvIm2RowGemm.Choice = variants[v].Rows ? NeuralPS.Core.Backends.Cpu.ConvLayoutChoice.PixelMajor : NeuralPS.Core.Backends.Cpu.ConvLayoutChoice.Classic;
                        NeuralPS.Core.Backends.Cpu.ConvIm2ColGemm.ImageParallel = variants[v].ImageParallel;
                        NeuralPS.Core.Backends.Cpu.ConvIm2ColGemm.ChunkColumns = variants[v].Chunk;
                        rates[v].Add(cpuClock ? CpuRate(run, g.Flops, 0.15) : Rate(run, g.Flops, 0.15));
                    }
                Console.Error.WriteLine($"{name + "-" + pass,-22} " + string.Join("  ", variants.Select((v, i) => $"{v.Name} {Median(rates[i]),6:F1}")));
            }
        }
        Console.Error.WriteLine($"load after: {MachineLoad.LoadAverage1()}");
        return 0;
    }

    /// <summary>Interleaved comparison of Winograd F(2×2, 3×3), F(4×4, 3×3), F(6×6, 3×3) (<see cref="ConvWinograd.Tile"/>)
    /// and the GEMM paths (Winograd off), per pass on 3×3 stride-1 shapes: milliseconds per call (thread CPU time with one
    /// thread, immune to the neighbours' load; wall time with more), median of the rounds, each time over F(2×2)'s, and
    /// F(6×6)'s over F(4×4)'s. Winograd is forced on (its speed rules off) so that every shape runs every tile.
    /// <paramref name="only"/>: only these shapes (--shapes conv-seed2,resnet-14); <paramref name="f6Chunks"/>: one F(6×6)
    /// column per tiles-per-chunk value (--f6-chunks 64,144; default the driver's own).</summary>
    private static int WinogradTiles(int rounds, int batch, string[]? only, int[]? f6Chunks)
    {
        var backend = CpuBackend.Instance;
        // (name, tile (0: Winograd off, the GEMM path), tiles per chunk (0: the driver's default))
        var variants = new List<(string Name, int Tile, int Chunk)> { ("F2", 2, 144), ("F4", 4, 144) };
        foreach (int chunk in f6Chunks ?? new[] { 0 }) variants.Add((chunk == 0 ? "F6" : $"F6/{chunk}", 6, chunk));
        variants.Add(("gemm", 0, 144));
        bool cpuClock = ThreadSetting.Current == 1;
        Console.Error.WriteLine($"NeuralPS {backend.Description}; threads {ThreadSetting.Current}; ms per call ({(cpuClock ? "thread CPU time" : "wall time")}), median of {rounds}; load {MachineLoad.LoadAverage1()}");
        var shapes = new (string Name, ConvolutionGeometry G)[]
        {
            ("conv-seed2", ConvolutionGeometry.Create(batch, 32, 13, 13, 64, 3, 3)),
            ("resnet-28", ConvolutionGeometry.Create(batch, 16, 28, 28, 16, 3, 3, padding: PaddingMode.Same)),
            ("resnet-14", ConvolutionGeometry.Create(batch, 32, 14, 14, 32, 3, 3, padding: PaddingMode.Same)),
            ("resnet-7", ConvolutionGeometry.Create(batch, 64, 7, 7, 64, 3, 3, padding: PaddingMode.Same)),
            ("c64-28", ConvolutionGeometry.Create(batch, 64, 28, 28, 64, 3, 3, padding: PaddingMode.Same)),
            ("c32-12-10", ConvolutionGeometry.Create(batch, 32, 12, 12, 32, 3, 3)),
            ("c32-8-6", ConvolutionGeometry.Create(batch, 32, 8, 8, 32, 3, 3)),
        };
        if (only is not null) shapes = shapes.Where(s => only.Contains(s.Name)).ToArray();
        int savedTile = ConvWinograd.Tile, savedChunk = ConvWinograd.TilesPerChunk, savedFilterChunk = ConvWinograd.FilterTilesPerChunk;
        int savedF6Chunk = ConvWinograd.F6TilesPerChunk;
        ConvWinograd.Force = true;
        try
        {
            foreach (var (name, g) in shapes)
            {
                var (x, w, y, dy, dx, dw) = Operands(g);
                var passes = new (string Pass, Action Run)[]
                {
                    ("fwd", () => backend.Conv2dForward(x, w, null, y, g, ActivationKind.ReLU)),
                    ("bwd-data", () => backend.Conv2dBackwardData(dy, w, dx, g)),
                    ("bwd-filter", () => backend.Conv2dBackwardFilter(x, dy, dw, null, g)),
                };
                foreach (var (pass, run) in passes)
                {
                    var ms = variants.Select(_ => new List<double>()).ToArray();
                    for (int r = 0; r < rounds; r++)
                        for (int v = 0; v < variants.Count; v++)
                        {
                            ConvWinograd.Enabled = variants[v].Tile != 0;
                            ConvWinograd.Tile = variants[v].Tile;
                            // F(2×2) and F(4×4) at 144 (their default) or the F(6×6) chunk given for every pass
                            ConvWinograd.TilesPerChunk = variants[v].Chunk == 0 ? savedChunk : variants[v].Chunk;
                            ConvWinograd.F6TilesPerChunk = variants[v].Chunk == 0 ? savedF6Chunk : variants[v].Chunk;
                            ConvWinograd.FilterTilesPerChunk = variants[v].Chunk == 0 ? savedFilterChunk : variants[v].Chunk;
                            // Rate counts "FLOPs" of 1 per call in units of 1e9: calls per second / 1e9.
                            double callsPerSecond = (cpuClock ? CpuRate(run, 1, 0.15) : Rate(run, 1, 0.15)) * 1e9;
                            ms[v].Add(1e3 / callsPerSecond);
                        }
                    double f2 = Median(ms[0]), f4 = Median(ms[1]);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name + "-" + pass,-22} ")
                        + string.Join("  ", variants.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{v.Name} {Median(ms[i]),7:F3} ms ({Median(ms[i]) / f2:F2})")))
                        + string.Concat(variants.Select((v, i) => v.Tile == 6 ? string.Create(CultureInfo.InvariantCulture, $"  {v.Name}/F4 {Median(ms[i]) / f4:F2}") : "")));
                }
            }
        }
        finally
        {
            ConvWinograd.Force = false;
            ConvWinograd.Enabled = true;
            ConvWinograd.Tile = savedTile;
            ConvWinograd.TilesPerChunk = savedChunk;
            ConvWinograd.FilterTilesPerChunk = savedFilterChunk;
            ConvWinograd.F6TilesPerChunk = savedF6Chunk;
        }
        Console.Error.WriteLine($"load after: {MachineLoad.LoadAverage1()}");
        return 0;
    }

    /// <summary>Random x, w and dy and the output buffers of one convolution (the same seeds for every benchmark).</summary>
    private static (Tensor X, Tensor W, Tensor Y, Tensor Dy, Tensor Dx, Tensor Dw) Operands(in ConvolutionGeometry g)
    {
        var x = Random(new Shape(g.Batch, g.InputChannels, g.InputHeight, g.InputWidth), 1);
        var w = Random(new Shape(g.Filters, g.GroupInputChannels, g.KernelHeight, g.KernelWidth), 2);
        var y = new Tensor(g.Batch, g.Filters, g.OutputHeight, g.OutputWidth);
        return (x, w, y, Random(y.Shape, 3), new Tensor(x.Shape), new Tensor(w.Shape));
    }

    private static string Layout(in ConvolutionGeometry g) =>
        $"N{g.Batch} C{g.InputChannels} {g.InputHeight}x{g.InputWidth} K{g.Filters} {g.KernelHeight}x{g.KernelWidth}";

    /// <summary>GFLOP/s of repeated calls for about <paramref name="seconds"/>.</summary>
    private static double Rate(Action action, double flops, double seconds)
    {
        action();
        var clock = Stopwatch.StartNew();
        int calls = 0;
        do { action(); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
        return flops * calls / clock.Elapsed.TotalSeconds / 1e9;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, long* timespec);

    private static double ThreadCpuSeconds()
    {
        long* ts = stackalloc long[2];
        return ClockGetTime(3, ts) == 0 ? ts[0] + ts[1] / 1e9 : double.NaN;
    }

    /// <summary>GFLOP/s per second of this thread's CPU time (single-threaded runs only).</summary>
    private static double CpuRate(Action action, double flops, double seconds)
    {
        action();
        var clock = Stopwatch.StartNew();
        double c0 = ThreadCpuSeconds();
        int calls = 0;
        do { action(); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
        return flops * calls / (ThreadCpuSeconds() - c0) / 1e9;
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(d => d).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static Tensor Random(Shape shape, ulong seed)
    {
        var rng = new NeuralPS.Core.NeuralRandom(seed);
        var t = new Tensor(shape);
        for (int i = 0; i < t.Size; i++) t[i] = rng.NextSingle() * 2 - 1;
        return t;
    }
}
