namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Cache blocking and the thread split of the SGEMM (values and reasons in the block comment
/// of Sgemm.cs): the process defaults. Internal and settable so the benchmarks can sweep them; a call
/// reads them once into <see cref="SgemmSettings"/>.</summary>
internal static unsafe class SgemmBlocking
{
    /// <summary>The kernel family: the widest this CPU supports.</summary>
    public static SgemmPath Path { get; set; } = Sgemm.DetectPath();

    /// <summary>Rows of A per block (a multiple of MR = 6): the largest whose Mc × KcMax block of A takes at most
    /// 47% of this CPU's L2 (<see cref="CacheInfo"/>), within [48, 960]. 47% is what makes 240 on the 1 MiB L2 of
    /// the Zen 5 machine this was measured on (240 was the best of a sweep there); a 512 KiB L2 gets 120, a 2 MiB
    /// one 480. KcMax and Nc are not derived: with A read in place, the B panel streams from L2 whatever its
    /// size, and Nc only bounds the packing buffer (kept at 3072 columns × 512 = 6 MiB).</summary>
    public static int Mc { get; set; } = McFor(CacheInfo.L2, 512);

    internal static int McFor(long l2Bytes, int kc) => (int)Math.Clamp(0.47 * l2Bytes / (kc * 4.0) / 6, 8, 160) * 6;

    /// <summary>Largest K slice; K is cut into equal slices of at most this (so 784 = 2 x 392, not 512 + 272).</summary>
    public static int KcMax { get; set; } = 512;

    /// <summary>Columns of B per packed block (a multiple of NR = 64).</summary>
    public static int Nc { get; set; } = 3072;

    /// <summary>Up to this many rows (M of the whole problem) A and B are read in place instead of packed:
    /// each packed element would feed only a few micro-tiles, so packing costs more than it saves.</summary>
    public static int DirectMaxM { get; set; } = 24;

    /// <summary>Up to this many rows an A·Bᵀ product runs as dot products (SgemmDot) with no packing at all.</summary>
    public static int DotMaxM { get; set; } = 4;

    /// <summary>Packed B blocks up to this size are swept strip-major (C row by row) instead of panel-major.</summary>
    public static long RowMajorSweepBytes { get; set; } = 256 * 1024;

    /// <summary>Extra floats on the row stride of a packed transposed A (avoids 4 KiB aliasing of its rows).</summary>
    public static int APad { get; set; } = 16;

    /// <summary>Below this many multiply-adds a GEMM runs on the calling thread. Such a GEMM takes under
    /// ~6 µs on one core; a second thread could save ~2-3 µs on an idle machine, but on a busy one a worker
    /// preempted in the middle of its part makes the caller wait a scheduler time slice (measured: 0.5x
    /// OpenBLAS at 2 threads on the 327K-FMA MLP shapes under load, where OpenBLAS itself stays on one
    /// thread up to ~1M FMAs). The MLP's large GEMMs (≥ 12.8M FMAs at batch 64) are far above it.</summary>
    public static long ParallelThreshold { get; set; } = 400_000;

    /// <summary>Packing one element costs about this many multiply-adds of kernel time (cost model of the split).</summary>
    private const long PackCost = 6;

    /// <summary>Reading one element of an A that is read in place (not transposed) costs about this many halves of a
    /// multiply-add (1.5; 2 also moved the 512 and 2048 squares to the M split, a little slower there): an N part
    /// streams all of A past its own columns, an M part only its rows, so a tall A (many rows, few columns of B)
    /// favours the M split. Measured: MLP inference at batch 1024 (1024×256×784, A = fresh inputs every call) ran
    /// 451–473k samples/s split by M against 417–437k split by N, interleaved on AVX2; with A hot in cache (`bench
    /// gemm`) the two splits are within noise there, and every shape of `bench gemm` and of MLP/CNN training keeps
    /// the split it had.</summary>
    private const long AReadHalves = 3;

    public static int KBlock(int k, int kcMax)
    {
        int blocks = (k + kcMax - 1) / kcMax;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Picks the number of parts and whether to split N or M: estimates the slowest part's
    /// kernel work (padded to whole tiles) plus its packing for both splits and keeps the cheaper.</summary>
    public static int ChooseParts(SgemmProblem* pr, int threads, long parallelThreshold)
    {
        pr->SplitN = false;
        long m = pr->M, n = pr->N, k = pr->K;
        // The dot-product path (M ≤ 4) is bound by reading B, not by FMAs: count it as 4 rows, so e.g. a
        // batch-1 Dense 784->256 (800 KB of weights) uses both cores' L2 bandwidth.
        long work = pr->UseDot ? Math.Max(m, 4) * n * k : m * n * k;
        if (threads <= 1 || work < parallelThreshold) return 1;
        int nr = SgemmDriver.PanelWidth(pr->Path), mr = SgemmDriver.MR;
        long nGroups = (n + nr - 1) / nr, mGroups = (m + mr - 1) / mr;
        long mPad = mGroups * mr, nPad16 = (n + 15) / 16 * 16;

        long pn = Math.Min(threads, nGroups);
        long colsN = Math.Min(n, (nGroups + pn - 1) / pn * nr);
        long costN = mPad * ((colsN + 15) / 16 * 16) * k + colsN * k * PackCost + (pr->TransA ? m * k * PackCost : 0);

        long pm = Math.Min(threads, mGroups);
        long rowsM = Math.Min(m, (mGroups + pm - 1) / pm * mr);
        long costM = (rowsM + mr - 1) / mr * mr * nPad16 * k + n * k * PackCost + (pr->TransA ? rowsM * k * PackCost : 0);

        if (!pr->TransA)
        {
            // A read in place: once per N part a thread runs (up to two parts per thread, below), once per M part.
            long partsPerThread = nGroups >= 2L * threads && pn >= 2 ? 2 : 1;
            costN += partsPerThread * mPad * k * AReadHalves / 2;
            costM += rowsM * k * AReadHalves / 2;
        }

        if (pn >= 2 && (costN <= costM || pm < 2))
        {
            pr->SplitN = true;
            // Parts are claimed dynamically, so more parts than threads let a thread that was descheduled
            // (a loaded machine) hold up at most one small part. An N part re-packs nothing another part
            // packs (only a transposed A is packed per part, and it is small next to the work), so N parts
            // of one 64-column panel or more are cheap.
            if (nGroups >= 2L * threads) return (int)Math.Min(2L * threads, nGroups);
            return (int)pn;
        }
        return pm >= 2 ? (int)pm : 1;
    }
}
