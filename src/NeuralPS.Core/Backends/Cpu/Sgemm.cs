using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace NeuralPS.Core.Backends.Cpu;

// SGEMM, BLIS-style (Goto's algorithm)
// ====================================
// Algorithm. For each NC-wide column block of C, for each KC-deep slice of K: pack op(B)[KC x NC] into
// k-major panels of NR = 64 columns (zero-padded to whole vectors at the right edge); for each MC-row
// block, take the rows of op(A) (read in place when A is not transposed, packed by 16x16 register
// transposes when it is) and sweep the block with an MR x NR = 6 x 64 register tile: 24 zmm
// accumulators, Avx512F.FusedMultiplyAdd (SgemmKernel512; SgemmKernel256 = 6x16 AVX2+FMA and
// SgemmKernelPortable = 6 x 2 Vector<T> on other CPUs). All four transpose combinations are handled by
// the packing (no transpose is ever materialised). Edges: row tails use exact 1..5-row specialisations
// and column tails whole vectors over the zero-padded panel, so an edge costs at most 15 wasted lanes,
// never a scalar loop over K.
// Epilogue (alpha, beta, column/row bias, activation) is applied to each C tile straight from the
// accumulators on the last K slice (None/ReLU/LeakyReLU in registers; Sigmoid/Tanh/GELU right after, over
// the L1-hot tile): one write of C per K slice, no extra pass. beta = 0 never reads C.
// Small problems skip packing where it cannot pay: with M ≤ 24 (SgemmBlocking.DirectMaxM) A and B are
// read in place (each packed element would feed only a few tiles), and A·Bᵀ with M ≤ 4 (batch-1 Dense
// forward) runs as dot products (SgemmDot) with no packing at all.
//
// Blocking and why (machine: AMD EPYC Zen 4, 2 cores, 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3; AVX-512
// runs as 2 x 256-bit, i.e. one zmm FMA per cycle per core; measured FMA peak ≈ 109-117 GFLOP/s per core):
// - MR x NR = 6 x 64: 24 accumulators + 4 B vectors + 1 broadcast = 29 of the 32 zmm registers; the JIT's
//   inner loop is 4 loads, 6 broadcasts, 24 FMAs and no vector spills (checked with DOTNET_JitDisasm). One k
//   step takes 24 cycles at one FMA per cycle, and needs 256 B of B: ~11 B/cycle, well within L2
//   bandwidth. A prototype measured 14x32 and 12x32 2-6% behind.
// - KC = 512 (KcMax; K is cut into equal slices ≤ 512, e.g. 784 = 2 x 392): the A strip (6 x 512 floats,
//   12 KiB) stays in L1 while the B micro-panel (512 x 64, 128 KiB) streams from L2. KC 384 and 800
//   measured the same within noise here; KC 256 cost 10-15% in the prototype (C is re-read per slice).
// - MC = 240: an A block (240 x 512 floats, 480 KiB) plus the B micro-panel fit the 1 MiB L2 together.
//   MC 120 and 960 measured within noise on this core (its FMA rate is low enough for L3 bandwidth too).
// - NC = 3072: the packed B block (512 x 3072 floats, 6 MiB) sits in L3; both threads' blocks fit.
// Threads: a persistent ThreadTeam (one worker per extra core, spins ~0.5 ms then blocks; jobs are
// function pointers, parts claimed dynamically; idle workers pause-spin 50 µs, then yield-spin). C is split over N (64-column groups; up to 2 parts per
// thread) or M (6-row groups), whichever the cost model balances better; small M always splits N; below
// 400K FMAs the call stays on the calling thread. Never split over K: every C element is computed by the
// same FMA sequence for any thread count, so results are bitwise identical for 1, 2, ... threads.
// Buffers: per-thread 64-byte aligned native memory (SgemmWorkspace), grown once; zero managed
// allocation per call.
// Measured speed (`dotnet run -c Release --project bench/NeuralPS.Bench -- gemm`, NeuralPS and OpenBLAS 0.3.21
// (Cooperlake kernel) interleaved in one process; the machine was shared with other jobs, load 4-7):
// 1 thread: square 256-2048 98-108 GFLOP/s = 84-93% of the measured FMA peak = 1.01-1.10x OpenBLAS
// (`--clock cpu`); MLP shapes: Dense forward 128x784x256 1.11x, its dW 1.05-1.07x, dX 1.05-1.09x,
// 128x256x10 1.05-1.12x, dW 10x256x128 1.01-1.02x, dX 128x256x10 (K = 10) 0.87-1.04x.
// 2 threads (wall clock; neither library got the second core to itself): 1.02-1.17x on every shape
// but dX 128x256x10 (0.98x, both libraries stay on one thread there).

/// <summary>Single-precision GEMM on row-major matrices:
/// C = act(alpha · op(A) · op(B) + beta · C + ColumnBias[j] + RowBias[i]).
/// op(A) is m×k, op(B) is k×n, C is m×n with leading dimensions lda/ldb/ldc (elements between rows
/// as stored). When beta is 0, C is not read (it may hold garbage or NaN).</summary>
public static unsafe class Sgemm
{
    private static int s_maxThreads = DefaultThreads();

    /// <summary>Most threads one GEMM uses (the calling thread included). Defaults to the environment
    /// variable NEURALPS_NUM_THREADS, else the number of logical processors. Results are identical for
    /// every thread count.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = Math.Clamp(value, 1, 256);
    }

    internal static SgemmPath DetectPath() =>
        SgemmKernel512.IsSupported ? SgemmPath.Avx512 :
        SgemmKernel256.IsSupported ? SgemmPath.Avx2 : SgemmPath.Portable;

    private static int DefaultThreads()
    {
        string? env = Environment.GetEnvironmentVariable("NEURALPS_NUM_THREADS");
        if (env is not null && int.TryParse(env, out int t) && t >= 1) return Math.Min(t, 256);
        return Environment.ProcessorCount;
    }

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, in GemmEpilogue epilogue = default)
        => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue, null, SgemmSettings.Current);

    /// <summary>As the public overload, plus: when <paramref name="rowSumsOfA"/> is not null it receives
    /// Σ_p op(A)[i, p] for every row i (the bias gradient of a Dense layer when op(A) = dZᵀ), computed from
    /// the A panels while they are hot; and explicit settings (threads, kernel path, blocking, team).</summary>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, in GemmEpilogue epilogue,
        float* rowSumsOfA, in SgemmSettings settings)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "must be ≥ 0");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be ≥ 0");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 0");
        if (m == 0 || n == 0)
        {
            if (rowSumsOfA != null) new Span<float>(rowSumsOfA, m).Clear();
            return;
        }
        if (ldc < n) throw new ArgumentOutOfRangeException(nameof(ldc), ldc, $"must be ≥ n = {n}");
        if (c == null) throw new ArgumentNullException(nameof(c));
        if (k > 0)
        {
            if (lda < (transA ? m : k)) throw new ArgumentOutOfRangeException(nameof(lda), lda, $"must be ≥ {(transA ? m : k)}");
            if (ldb < (transB ? k : n)) throw new ArgumentOutOfRangeException(nameof(ldb), ldb, $"must be ≥ {(transB ? k : n)}");
            if (a == null) throw new ArgumentNullException(nameof(a));
            if (b == null) throw new ArgumentNullException(nameof(b));
        }

        var pr = new SgemmProblem
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
            ColumnBias = epilogue.ColumnBias, RowBias = epilogue.RowBias,
            Activation = epilogue.Activation, Slope = epilogue.ActivationAlpha,
            RowSumsOfA = rowSumsOfA, Path = settings.Path,
            Mc = settings.Mc, Nc = settings.Nc, RowMajorSweepBytes = settings.RowMajorSweepBytes,
        };
        if (pr.Activation == ActivationKind.Softmax)
            throw new InvalidConfigurationException("Softmax is row-wise and cannot be fused into a GEMM epilogue.");

        if (k == 0)
        {
            SgemmDriver.ScaleOnly(&pr);
            return;
        }
        pr.Kc = SgemmBlocking.KBlock(k, settings.KcMax);
        pr.UseDot = SgemmDot.Applies(&pr);
        int parts = SgemmBlocking.ChooseParts(&pr, settings.Threads, settings.ParallelThreshold);
        pr.Parts = parts;
        if (parts > 1)
        {
            // The team is sized by threads, not parts: parts (up to 2 per thread) are claimed dynamically.
            var team = settings.Team ?? ThreadTeam.GetShared(Math.Min(parts, settings.Threads));
            if (team.TryRun(&SgemmDriver.RunPart, &pr, parts)) return;
            pr.Parts = 1; // another thread holds the team: do it alone (same results)
        }
        SgemmDriver.RunPart(&pr, 0);
    }
}

/// <summary>Per-call knobs of the internal Multiply overload: thread count, kernel family, blocking and
/// (for tests) a private thread team. <see cref="Current"/> = the process defaults.</summary>
internal readonly struct SgemmSettings
{
    public int Threads { get; init; }
    public SgemmPath Path { get; init; }
    public int Mc { get; init; }
    public int KcMax { get; init; }
    public int Nc { get; init; }
    public long ParallelThreshold { get; init; }
    public long RowMajorSweepBytes { get; init; }
    public ThreadTeam? Team { get; init; }

    public static SgemmSettings Current => new()
    {
        Threads = Sgemm.MaxThreads,
        Path = SgemmBlocking.Path,
        Mc = SgemmBlocking.Mc,
        KcMax = SgemmBlocking.KcMax,
        Nc = SgemmBlocking.Nc,
        ParallelThreshold = SgemmBlocking.ParallelThreshold,
        RowMajorSweepBytes = SgemmBlocking.RowMajorSweepBytes,
    };
}

internal enum SgemmPath
{
    Avx512,
    Avx2,
    Portable,
}

/// <summary>One GEMM call's arguments, on the caller's stack; the parts of a parallel call read it through a pointer.</summary>
internal unsafe struct SgemmProblem
{
    public bool TransA, TransB;
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C;
    public nint Lda, Ldb, Ldc;
    public float* ColumnBias, RowBias;
    public ActivationKind Activation;
    public float Slope;
    public float* RowSumsOfA;
    public SgemmPath Path;
    public bool UseDot;
    public int Kc, Mc, Nc;
    public long RowMajorSweepBytes;
    public int Parts;
    public bool SplitN;
}

/// <summary>The blocked loops around the micro-kernels (one part of a possibly parallel call).</summary>
internal static unsafe class SgemmDriver
{
    public const int MR = 6;
    /// <summary>Row stride of the per-thread edge tile.</summary>
    public const int TileStride = 64;

    public static int PanelWidth(SgemmPath path) => path switch
    {
        SgemmPath.Avx512 => SgemmKernel512.NR,
        SgemmPath.Avx2 => SgemmKernel256.NR,
        _ => SgemmKernelPortable.NR,
    };

    public static int VectorWidth(SgemmPath path) => path switch
    {
        SgemmPath.Avx512 => SgemmKernel512.VW,
        SgemmPath.Avx2 => SgemmKernel256.VW,
        _ => SgemmKernelPortable.VW,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPart(void* state, int part)
    {
        var pr = (SgemmProblem*)state;
        int i0 = 0, i1 = pr->M, j0 = 0, j1 = pr->N;
        if (pr->Parts > 1)
        {
            if (pr->SplitN)
            {
                int nr = PanelWidth(pr->Path);
                int groups = (pr->N + nr - 1) / nr;
                j0 = Math.Min(pr->N, part * groups / pr->Parts * nr);
                j1 = Math.Min(pr->N, (part + 1) * groups / pr->Parts * nr);
            }
            else
            {
                int groups = (pr->M + MR - 1) / MR;
                i0 = Math.Min(pr->M, part * groups / pr->Parts * MR);
                i1 = Math.Min(pr->M, (part + 1) * groups / pr->Parts * MR);
            }
        }
        if (i0 < i1 && j0 < j1) Compute(pr, i0, i1, j0, j1, SgemmWorkspace.Current);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(SgemmProblem* pr, int i0, int i1, int j0, int j1, SgemmWorkspace ws)
    {
        if (pr->UseDot)
        {
            SgemmDot.Compute(pr, i0, i1, j0, j1);
            return;
        }
        int nr = PanelWidth(pr->Path), vw = VectorWidth(pr->Path);
        int K = pr->K, kc = pr->Kc;
        int mcMax = pr->Mc, ncMax = pr->Nc;
        // Small M (decided on the whole problem, so every thread count takes the same path): each packed
        // element would be used by only a few rows, so A and B are read in place where their layout allows.
        bool smallM = pr->M <= SgemmBlocking.DirectMaxM;
        bool packA = pr->TransA && !smallM, directB = !pr->TransB && smallM;
        nint kcs = SgemmPacking.RoundUp(kc, 16) + SgemmBlocking.APad;
        float* packB = directB ? ws.PackB((nint)kc * nr) : ws.PackB((nint)kc * SgemmPacking.RoundUp(Math.Min(ncMax, j1 - j0), nr));
        float* packedA = packA ? ws.PackA(Math.Min(mcMax, i1 - i0) * kcs) : null;
        bool activationPass = pr->Activation is not (ActivationKind.None or ActivationKind.ReLU or ActivationKind.LeakyReLU);

        var blk = new MacroBlock { Nr = nr, Vw = vw, DirectB = directB, PackB = packB };
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < K; pc += kc)
            {
                int kcur = Math.Min(kc, K - pc);
                bool last = pc + kcur == K;
                var st = TileStore.For(pr->Alpha, pr->Beta, pc == 0, last, pr->Activation, pr->Slope);
                if (directB)
                {
                    blk.B = pr->B + (nint)pc * pr->Ldb + jc;
                    blk.Ldb = pr->Ldb;
                    // Only a ragged last panel needs packing (zero padding to whole vectors).
                    int full = nc / nr * nr;
                    if (nc > full) SgemmPacking.PackB(false, pr->B, pr->Ldb, pc, kcur, jc + full, nc - full, nr, vw, packB);
                }
                else
                {
                    SgemmPacking.PackB(pr->TransB, pr->B, pr->Ldb, pc, kcur, jc, nc, nr, vw, packB);
                }
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    if (!pr->TransA)
                    {
                        blk.A = pr->A + ic * pr->Lda + pc;
                        blk.Ars = pr->Lda;
                        blk.Aps = 1;
                    }
                    else if (!packA)
                    {
                        blk.A = pr->A + (nint)pc * pr->Lda + ic; // op(A)[i, p] = A[p, i]: rows 1 apart, k steps lda apart
                        blk.Ars = 1;
                        blk.Aps = pr->Lda;
                    }
                    else
                    {
                        SgemmPacking.PackATransposed(pr->A, pr->Lda, ic, mc, pc, kcur, packedA, kcs);
                        blk.A = packedA;
                        blk.Ars = kcs;
                        blk.Aps = 1;
                    }
                    if (pr->RowSumsOfA != null && jc == 0) RowSums(blk.A, blk.Ars, blk.Aps, mc, kcur, pr->RowSumsOfA + ic, pc == 0);
                    Macro(pr, &blk, kcur, ic, mc, jc, nc, &st, activationPass && last, ws);
                }
            }
        }
    }

    /// <summary>Where one MC x NC block's operands are: A element (i, p) at A + i·Ars + p·Aps; B either the
    /// packed panels or (DirectB) the source rows at B + p·Ldb, with a ragged last panel packed at PackB.</summary>
    private struct MacroBlock
    {
        public float* A;
        public nint Ars, Aps;
        public float* B;
        public nint Ldb;
        public float* PackB;
        public bool DirectB;
        public int Nr, Vw;
    }

    // Sweeps one MC x NC block of C with micro-tiles. Usual BLIS order: for each B panel (it stays in L2),
    // every MR-row strip of A (in L1 for one micro-kernel). When the whole packed B block is small enough to
    // stay in L2 anyway (small K or narrow N), strips go outside and panels inside instead, so C is written
    // row by row rather than in tiles 1 row-stride apart. Whole tiles go to the kernel as runs (one call per
    // panel or strip); edge tiles and tiles needing the separate activation pass go one at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro(SgemmProblem* pr, MacroBlock* blk, int kc, int ic, int mc, int jc, int nc,
        TileStore* st, bool activationPass, SgemmWorkspace ws)
    {
        int nr = blk->Nr, vw = blk->Vw;
        if ((long)kc * nc * sizeof(float) <= pr->RowMajorSweepBytes)
        {
            int fullPanels = activationPass ? 0 : nc / nr;
            for (int ir = 0; ir < mc; ir += MR)
            {
                int mr = Math.Min(MR, mc - ir);
                if (fullPanels > 0)
                {
                    var steps = new TileSteps { Count = fullPanels, B = blk->DirectB ? nr : (nint)nr * kc, C = nr, ColumnBias = nr };
                    Run(pr, blk, kc, ic, ir, mr, jc, 0, nr, st, &steps);
                }
                for (int q = fullPanels * nr; q < nc; q += nr)
                    Tile(pr, blk, kc, ic, ir, mr, jc, q, Math.Min(nr, nc - q), st, activationPass, ws);
            }
        }
        else
        {
            for (int q = 0; q < nc; q += nr)
            {
                int wq = Math.Min(nr, nc - q);
                int strips = 0;
                if (!activationPass && wq % vw == 0)
                {
                    strips = mc / MR;
                    if (strips > 0)
                    {
                        var steps = new TileSteps { Count = strips, A = MR * blk->Ars, C = MR * pr->Ldc, RowBias = MR };
                        Run(pr, blk, kc, ic, 0, MR, jc, q, wq, st, &steps);
                    }
                }
                for (int ir = strips * MR; ir < mc; ir += MR)
                    Tile(pr, blk, kc, ic, ir, Math.Min(MR, mc - ir), jc, q, wq, st, activationPass, ws);
            }
        }
    }

    // A run of whole tiles (width wq a multiple of the vector width) starting at rows ic+ir, columns jc+q.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run(SgemmProblem* pr, MacroBlock* blk, int kc, int ic, int ir, int mr, int jc, int q, int wq,
        TileStore* st, TileSteps* steps)
    {
        nint ldbk;
        float* bp = PanelB(blk, kc, q, wq, out ldbk);
        nint ldc = pr->Ldc;
        RunKernel(pr->Path, mr, wq / blk->Vw, kc, blk->A + ir * blk->Ars, blk->Ars, blk->Aps, bp, ldbk,
            pr->C + (ic + ir) * ldc + jc + q, ldc, st,
            pr->ColumnBias == null ? null : pr->ColumnBias + jc + q, pr->RowBias == null ? null : pr->RowBias + ic + ir, steps);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* PanelB(MacroBlock* blk, int kc, int q, int wq, out nint ldbk)
    {
        int wp = Math.Min(blk->Nr, SgemmPacking.RoundUp(wq, blk->Vw));
        if (!blk->DirectB) { ldbk = wp; return blk->PackB + (nint)q * kc; }
        if (wq == blk->Nr) { ldbk = blk->Ldb; return blk->B + q; }
        ldbk = wp;
        return blk->PackB; // the ragged last panel, packed
    }

    // One micro-tile: rows ic+ir .. +mr, columns jc+q .. +wq of C (edge tiles merge through the scratch tile).
    private static void Tile(SgemmProblem* pr, MacroBlock* blk, int kc, int ic, int ir, int mr, int jc, int q, int wq,
        TileStore* st, bool activationPass, SgemmWorkspace ws)
    {
        int wp = Math.Min(blk->Nr, SgemmPacking.RoundUp(wq, blk->Vw));
        int nv = wp / blk->Vw;
        float* bp = PanelB(blk, kc, q, wq, out nint ldbk);
        nint ldc = pr->Ldc;
        float* colBias = pr->ColumnBias == null ? null : pr->ColumnBias + jc + q;
        float* ct = pr->C + (ic + ir) * ldc + jc + q;
        float* at = blk->A + ir * blk->Ars;
        float* rowBias = pr->RowBias == null ? null : pr->RowBias + ic + ir;
        var one = TileSteps.One;
        if (wq == wp)
        {
            RunKernel(pr->Path, mr, nv, kc, at, blk->Ars, blk->Aps, bp, ldbk, ct, ldc, st, colBias, rowBias, &one);
        }
        else
        {
            var raw = TileStore.Raw;
            RunKernel(pr->Path, mr, nv, kc, at, blk->Ars, blk->Aps, bp, ldbk, ws.Tile, TileStride, &raw, null, null, &one);
            Merge(ws.Tile, TileStride, mr, wq, ct, ldc, st, colBias, rowBias);
        }
        if (activationPass) SgemmEpilogueOps.ApplyRows(pr->Activation, ct, ldc, mr, wq, ws.Scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunKernel(SgemmPath path, int mr, int nv, nint kc, float* a, nint lda, nint aps, float* b, nint ldb, float* c, nint ldc,
        TileStore* st, float* colBias, float* rowBias, TileSteps* steps)
    {
        if (path == SgemmPath.Avx512) SgemmKernel512.Run(mr, nv, kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps);
        else if (path == SgemmPath.Avx2) SgemmKernel256.Run(mr, nv, kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps);
        else SgemmKernelPortable.Run(mr, nv, kc, a, lda, aps, b, ldb, c, ldc, st, colBias, rowBias, steps);
    }

    // Edge tile (width not a whole vector): the same arithmetic as the kernels' StoreRow, element by element.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Merge(float* tile, nint tileStride, int mr, int wq, float* c, nint ldc, TileStore* st, float* colBias, float* rowBias)
    {
        for (int r = 0; r < mr; r++)
        {
            float* t = tile + r * tileStride;
            float* cr = c + r * ldc;
            for (int j = 0; j < wq; j++)
            {
                float v = st->ScaleAlpha ? t[j] * st->Alpha : t[j];
                if (st->ReadC) v = MathF.FusedMultiplyAdd(cr[j], st->Beta, v);
                if (st->Epilogue)
                {
                    if (colBias != null) v += colBias[j];
                    if (rowBias != null) v += rowBias[r];
                    if (st->Activation == ActivationKind.ReLU) v = v > 0f ? v : 0f;
                    else if (st->Activation == ActivationKind.LeakyReLU) v = v > 0f ? v : v * st->Slope;
                }
                cr[j] = v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowSums(float* ap, nint ars, nint aps, int mc, int kc, float* dst, bool first)
    {
        for (int r = 0; r < mc; r++)
        {
            float s;
            if (aps == 1) s = TensorPrimitives.Sum(new ReadOnlySpan<float>(ap + r * ars, kc));
            else
            {
                s = 0f;
                for (int p = 0; p < kc; p++) s += ap[r * ars + p * aps];
            }
            dst[r] = first ? s : dst[r] + s;
        }
    }

    /// <summary>k = 0: C = act(beta·C + bias).</summary>
    public static void ScaleOnly(SgemmProblem* pr)
    {
        var st = TileStore.For(pr->Alpha, pr->Beta, first: true, last: true, pr->Activation, pr->Slope);
        float* zeros = stackalloc float[SgemmDriver.TileStride];
        new Span<float>(zeros, TileStride).Clear();
        float* scratch = SgemmWorkspace.Current.Scratch;
        for (int i = 0; i < pr->M; i++)
        {
            for (int j = 0; j < pr->N; j += TileStride)
            {
                int w = Math.Min(TileStride, pr->N - j);
                float* ct = pr->C + i * pr->Ldc + j;
                // A zero "tile" with row stride 0 reuses Merge's arithmetic.
                MergeRow(zeros, w, ct, &st, pr->ColumnBias == null ? null : pr->ColumnBias + j, pr->RowBias == null ? null : pr->RowBias + i);
                SgemmEpilogueOps.ApplyRows(pr->Activation, ct, pr->Ldc, 1, w, scratch);
            }
        }
        if (pr->RowSumsOfA != null) new Span<float>(pr->RowSumsOfA, pr->M).Clear();
    }

    private static void MergeRow(float* t, int w, float* c, TileStore* st, float* colBias, float* rowBias) =>
        Merge(t, 0, 1, w, c, 0, st, colBias, rowBias);
}
