using System.Diagnostics;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Cnn;

/// <summary>Single-thread cost of the pieces of the im2col path for one conv shape: im2col, col2im, the
/// three GEMMs (NeuralPS vs OpenBLAS, same operands), interleaved. Diagnostic only (conv --breakdown).</summary>
internal static unsafe class ConvBreakdown
{
    public static int Run(int images)
    {
        BlasConv.TryLoad(out _);
        BlasConv.SetThreads(1);
        var g = ConvolutionGeometry.Create(images, 32, 13, 13, 64, 3, 3);
        int P = g.PatchSize, L = images * g.OutputPlane, K = g.Filters;
        var x = Fill(g.Batch * g.InputSize); var col = Fill(P * L + 128); var w = Fill(K * P); var y = Fill(K * L);
        var dx = Fill(g.Batch * g.InputSize + 64); var dw = Fill(Math.Max(K * P, images * g.OutputSize) + 64);
        var s1 = ConvParallel.SingleThread;
        fixed (float* px = x, pc = col, pw = w, py = y, pdx = dx, pdw = dw)
        {
            float* xp = px, cp = pc, wp = pw, yp = py, dxp = pdx, dwp = pdw;
            var gb = ConvolutionGeometry.Create(64, 32, 13, 13, 64, 3, 3);
            var bx = new Tensor(64, 32, 13, 13); var bdy = new Tensor(64, 64, 11, 11); var bdw = new Tensor(64, 32, 3, 3);
            bx.Span.Fill(0.25f); bdy.Span.Fill(-0.5f);
            double bflops = 2.0 * gb.Batch * gb.OutputPlane * 64 * gb.PatchSize;
            Action Filter(bool winograd, int tiles, int perThread) => () =>
            {
                bool e = ConvWinograd.InFilterGradient; int t = ConvWinograd.FilterTilesPerChunk, p = ConvWinograd.ItemsPerThread;
                ConvWinograd.InFilterGradient = winograd; ConvWinograd.FilterTilesPerChunk = tiles; ConvWinograd.ItemsPerThread = perThread;
                try { CpuBackend.Instance.Conv2dBackwardFilter(bx, bdy, bdw, null, gb); }
                finally { ConvWinograd.InFilterGradient = e; ConvWinograd.FilterTilesPerChunk = t; ConvWinograd.ItemsPerThread = p; }
            };
            var items = new (string Name, double Flops, Action Run)[]
            {
                ("N64 bdata default", bflops, () => CpuBackend.Instance.Conv2dBackwardData(bdy, bdw, bx, gb)),
                ("N64 bdata wino forced", bflops, () => { ConvWinograd.Force = true; try { CpuBackend.Instance.Conv2dBackwardData(bdy, bdw, bx, gb); } finally { ConvWinograd.Force = false; } }),
                ("N64 bdata classic", bflops, () => { ConvWinograd.Enabled = false; try { CpuBackend.Instance.Conv2dBackwardData(bdy, bdw, bx, gb); } finally { ConvWinograd.Enabled = true; } }),
                ("N64 bfilt im2col", bflops, Filter(false, 144, 2)),
                ("N64 bfilt wino 144/all", bflops, Filter(true, 144, 1000)),
                ("N64 bfilt wino 144/2", bflops, Filter(true, 144, 2)),
                ("N64 bfilt wino 72/2", bflops, Filter(true, 72, 2)),
                ("N64 bfilt wino 36/2", bflops, Filter(true, 36, 2)),
                ("N64 bfilt wino 288/2", bflops, Filter(true, 288, 2)),
                ("N64 bfilt wino 72/1", bflops, Filter(true, 72, 1)),
                ("wino 4img: x to pm", 0, () => ConvIm2RowGemm.ToPixelMajor(xp, 4, 32, 169, g.InputSize, dxp)),
                ("wino 4img: V", 0, () => ConvWinograd.TransformInput<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF2>(dxp, 4, g, 6, 6, cp, 144 * 32 + 32)),
                ("wino 4img: dy to pm", 0, () => ConvIm2RowGemm.ToPixelMajor(yp, 4, 64, 121, g.OutputSize, dwp)),
                ("wino 4img: Z", 0, () => ConvWinograd.TransformGradient<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF2>(dwp, 4, g, 6, 6, yp, 144 * 64 + 32)),
                ("wino 4img: 16 gemm", 16 * 2.0 * 64 * 32 * 144, () => { for (int xi = 0; xi < 16; xi++) Sgemm.Multiply(true, false, 64, 32, 144, 1f, yp + xi * (144 * 64 + 32), 64, cp + xi * (144 * 32 + 32), 32, 0f, dxp + xi * 2048, 32, default, null, s1); }),
                ("wino 4img: 16 gemm NN", 16 * 2.0 * 64 * 32 * 144, () => { for (int xi = 0; xi < 16; xi++) Sgemm.Multiply(false, false, 64, 32, 144, 1f, yp + xi * (144 * 64 + 32), 144, cp + xi * (144 * 32 + 32), 32, 0f, dxp + xi * 2048, 32, default, null, s1); }),
                ("wino 4img: 16 gemm CtK", 16 * 2.0 * 64 * 32 * 144, () => { for (int xi = 0; xi < 16; xi++) Sgemm.Multiply(true, false, 32, 64, 144, 1f, cp + xi * (144 * 32 + 32), 32, yp + xi * (144 * 64 + 32), 64, 0f, dxp + xi * 2048, 64, default, null, s1); }),
                ("to pixel-major x", 0, () => ConvIm2RowGemm.ToPixelMajor(xp, images, 32, 169, g.InputSize, dxp)),
                ("im2row", 0, () => ConvIm2RowGemm.Im2Row(dxp, images, g, cp)),
                ("row2im", 0, () => ConvIm2RowGemm.Row2Im(cp, images, g, dxp)),
                ("from pixel-major y", 0, () => ConvIm2RowGemm.FromPixelMajor(yp, images, 64, 121, dwp, g.OutputSize)),
                ("im2col", 0, () => Im2Col.Pack(xp, xp + g.Batch * g.InputSize, images, g, 0, cp, L)),
                ("col2im", 0, () => Im2Col.Unpack(cp, L, images, g, 0, dxp, dxp + g.Batch * g.InputSize)),
                ("col2im direct", 0, () => Im2Col.UnpackDirect(cp + 16, L, images, g, 0, dxp, dxp + g.Batch * g.InputSize)),
                ("gemm fwd   NPS", 2.0 * K * L * P, () => Sgemm.Multiply(false, false, K, L, P, 1f, wp, P, cp, L, 0f, yp, L, default, null, s1)),
                ("gemm fwd   OBL", 2.0 * K * L * P, () => BlasConv.Gemm(false, false, K, L, P, wp, P, cp, L, 0f, yp, L)),
                ("gemm fwd-T  NPS", 2.0 * K * L * P, () => Sgemm.Multiply(false, true, L, K, P, 1f, cp, P, wp, P, 0f, yp, K, default, null, s1)),
                ("gemm fwd-T  OBL", 2.0 * K * L * P, () => BlasConv.Gemm(false, true, L, K, P, cp, P, wp, P, 0f, yp, K)),
                ("gemm bdata-T NPS", 2.0 * K * L * P, () => Sgemm.Multiply(false, false, L, P, K, 1f, yp, K, wp, P, 0f, cp, P, default, null, s1)),
                ("gemm bdata NPS", 2.0 * K * L * P, () => Sgemm.Multiply(true, false, P, L, K, 1f, wp, P, yp, L, 0f, cp, L, default, null, s1)),
                ("gemm bdata OBL", 2.0 * K * L * P, () => BlasConv.Gemm(true, false, P, L, K, wp, P, yp, L, 0f, cp, L)),
                ("gemm bfilt NPS", 2.0 * K * L * P, () => Sgemm.Multiply(false, true, K, P, L, 1f, yp, L, cp, L, 0f, dwp, P, default, null, s1)),
                ("gemm bfilt OBL", 2.0 * K * L * P, () => BlasConv.Gemm(false, true, K, P, L, yp, L, cp, L, 0f, dwp, P)),
            };
            if (Simd512.IsSupported)
                items = items.Concat(WinogradPieces<Simd512, System.Runtime.Intrinsics.Vector512<float>, WinogradF2>("F2 4img", 4, xp))
                    .Concat(WinogradPieces<Simd512, System.Runtime.Intrinsics.Vector512<float>, WinogradF4>("F4 16img", 16, xp))
                    .Concat(WinogradPieces<Simd512, System.Runtime.Intrinsics.Vector512<float>, WinogradF6>("F6 16img", 16, xp))
                    .Concat(WinogradPieces<Simd512, System.Runtime.Intrinsics.Vector512<float>, WinogradF6>("F6 36img", 36, xp)).ToArray();
            else
                items = items.Concat(WinogradPieces<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF2>("F2 4img", 4, xp))
                    .Concat(WinogradPieces<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF4>("F4 16img", 16, xp))
                    .Concat(WinogradPieces<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF6>("F6 16img", 16, xp))
                    .Concat(WinogradPieces<Simd256, System.Runtime.Intrinsics.Vector256<float>, WinogradF6>("F6 36img", 36, xp)).ToArray();
            var times = items.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < 7; r++)
                for (int i = 0; i < items.Length; i++)
                {
                    items[i].Run();
                    var c = Stopwatch.StartNew();
                    double c0 = ThreadCpuMicroseconds();
                    int n = 0;
                    do { items[i].Run(); n++; } while (c.Elapsed.TotalMilliseconds < 60);
                    times[i].Add((ThreadCpuMicroseconds() - c0) / n);
                }
            Console.Error.WriteLine($"images per chunk {images} (L = {L}), single thread, thread CPU time, median of 7:");
            for (int i = 0; i < items.Length; i++)
            {
                double us = times[i].OrderBy(t => t).ElementAt(3);
                Console.Error.WriteLine($"  {items[i].Name,-24} {us,9:F1} µs" + (items[i].Flops > 0 ? $"  {items[i].Flops / us / 1e3,6:F1} GFLOP/s" : ""));
            }
        }
        return 0;
    }

    /// <summary>The pieces of one Winograd forward chunk of the seed CNN's conv 2 (fused ReLU): F(2×2) 4 images and F(4×4) 16
    /// (144 tiles each), F(6×6) 16 images (64 tiles: the same outputs as F(4×4)'s) and 36 (144 tiles).</summary>
    private static (string Name, double Flops, Action Run)[] WinogradPieces<TS, TV, TT>(string label, int images, float* x)
        where TS : struct, ISimd<TV> where TV : unmanaged where TT : struct, IWinogradTile
    {
        var g = ConvolutionGeometry.Create(images, 32, 13, 13, 64, 3, 3);
        int th = (11 + TT.M - 1) / TT.M, tiles = images * th * th, positions = TT.Alpha * TT.Alpha;
        long vStride = tiles * 32L + 32, mStride = tiles * 64L + 32;
        float* xn = Pin(images * g.InputSize + 64), v = Pin(positions * vStride), m = Pin(positions * mStride);
        float* u = Pin(positions * 2048), yt = Pin(images * g.OutputSize + 64), y = Pin(images * g.OutputSize + 64), bias = Pin(80);
        var s1 = ConvParallel.SingleThread;
        return new (string, double, Action)[]
        {
            ($"{label}: x to pm", 0, () => ConvIm2RowGemm.ToPixelMajor(x, images, 32, 169, g.InputSize, xn)),
            ($"{label}: V", 0, () => ConvWinograd.TransformInput<TS, TV, TT>(xn, images, g, th, th, v, vStride)),
            ($"{label}: gemms", positions * 2.0 * tiles * 64 * 32, () =>
            {
                for (int xi = 0; xi < positions; xi++)
                    Sgemm.Multiply(false, true, tiles, 64, 32, 1f, v + xi * vStride, 32, u + xi * 2048, 32, 0f, m + xi * mStride, 64, default, null, s1);
            }),
            ($"{label}: out", 0, () => ConvWinograd.TransformOutput<TS, TV, TT>(m, mStride, images, g, th, th, bias, ActivationKind.ReLU, 0f, yt)),
            ($"{label}: y from pm", 0, () => ConvIm2RowGemm.FromPixelMajor(yt, images, 64, 121, y, g.OutputSize)),
        };
    }

    private static readonly List<float[]> Pinned = new();

    /// <summary>A pinned buffer that lives as long as the process (the pieces' closures hold only its address).</summary>
    private static float* Pin(long n)
    {
        var a = Fill((int)n);
        Pinned.Add(a);
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref a[0]);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, long* timespec);

    private static double ThreadCpuMicroseconds()
    {
        long* ts = stackalloc long[2];
        return ClockGetTime(3, ts) == 0 ? ts[0] * 1e6 + ts[1] / 1e3 : double.NaN;
    }

    private static float[] Fill(int n)
    {
        var a = GC.AllocateArray<float>(n, pinned: true);
        var r = new NeuralPS.Core.NeuralRandom(5);
        for (int i = 0; i < n; i++) a[i] = r.NextSingle() - 0.5f;
        return a;
    }
}
