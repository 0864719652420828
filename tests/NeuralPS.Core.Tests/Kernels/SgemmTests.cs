using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The packed SGEMM against the float64 reference (<see cref="SgemmReference"/>).
///
/// Tolerance: |fast − reference| ≤ 1e-4 · (|alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij| + |biases|), times the
/// activation's Lipschitz bound. Float32 accumulation over k terms has a worst-case error of k·2⁻²⁴ times
/// that magnitude (1.2e-4 at k = 2048) and a typical one of √k·2⁻²⁴ (≈ 3e-6 at k = 257); 1e-4 leaves a
/// margin for the blocked summation order, while any indexing, packing or edge bug moves an element by
/// the order of the magnitude itself (10⁴ times the bound) and fails.</summary>
public sealed unsafe class SgemmTests
{
    private static readonly int[] Sizes = { 1, 7, 33, 257 };
    private static readonly ThreadTeam Team = new(workers: 2); // private team: no contention with other test classes

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    public static TheoryData<string> Paths
    {
        get
        {
            var d = new TheoryData<string>();
            foreach (var p in new[] { SgemmPath.Avx512, SgemmPath.Avx2, SgemmPath.Portable })
                if (IsSupported(p)) d.Add(p.ToString());
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BatchOneDense_TakesTheInPlaceDotPath_OnEveryVectorWidth(string path)
    {
        // Batch-1 inference (M = 1, B transposed as Dense stores it) must not pack the weights on any width:
        // packing made a batch-1 Dense ~6x slower than ONNX Runtime on AVX2 machines (issue #11).
        var pr = new SgemmProblem { TransA = false, TransB = true, M = 1, N = 256, K = 784, Path = Enum.Parse<SgemmPath>(path) };
        Assert.True(SgemmDot.Applies(&pr));
        pr.M = SgemmBlocking.DotMaxM + 1;
        Assert.False(SgemmDot.Applies(&pr));
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void EveryShapeCombinationOfOddSizes_MatchesReference(bool transA, bool transB)
    {
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Sizes)
                    Check(new Case(transA, transB, m, n, k), Settings(threads: 1));
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void AlphaBetaAndPaddedLeadingDimensions_MatchReference(bool transA, bool transB)
    {
        // 4/5, 24/25: both sides of the dot-product and in-place (unpacked) small-M paths.
        int[][] shapes =
        {
            new[] { 1, 257, 7 }, new[] { 33, 7, 257 }, new[] { 257, 33, 33 }, new[] { 100, 130, 70 }, new[] { 6, 64, 16 },
            new[] { 4, 70, 40 }, new[] { 5, 70, 40 }, new[] { 24, 130, 20 }, new[] { 25, 130, 20 }, new[] { 2, 300, 1000 },
        };
        foreach (var s in shapes)
            foreach (var (alpha, beta) in new[] { (0.75f, -1.5f), (-2f, 1f), (1f, 0.5f) })
                Check(new Case(transA, transB, s[0], s[1], s[2]) { Alpha = alpha, Beta = beta, PadA = 5, PadB = 3, PadC = 11 }, Settings(threads: 2));
    }

    [Theory]
    [InlineData(ActivationKind.None)]
    [InlineData(ActivationKind.ReLU)]
    [InlineData(ActivationKind.LeakyReLU)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.GELU)]
    public void EveryEpilogue_MatchesReference(ActivationKind activation)
    {
        int[][] shapes = { new[] { 1, 257, 7 }, new[] { 33, 70, 257 }, new[] { 64, 200, 300 }, new[] { 7, 10, 33 }, new[] { 3, 40, 100 } };
        foreach (var s in shapes)
            foreach (var (col, row) in new[] { (false, false), (true, false), (false, true), (true, true) })
                foreach (bool transB in new[] { false, true })
                    foreach (float beta in new[] { 0f, 0.5f })
                        Check(new Case(false, transB, s[0], s[1], s[2])
                        {
                            Activation = activation, ColumnBias = col, RowBias = row, Beta = beta, Alpha = 1.25f, PadC = 3,
                        }, Settings(threads: 2));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryKernelPath_MatchesReference(string pathName)
    {
        var path = Enum.Parse<SgemmPath>(pathName);
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            foreach (var s in new[] { new[] { 7, 33, 257 }, new[] { 257, 7, 33 }, new[] { 33, 257, 7 }, new[] { 61, 45, 29 } })
            {
                Check(new Case(ta, tb, s[0], s[1], s[2]) { Alpha = 0.5f, Beta = 2f, PadA = 1, PadC = 2 }, Settings(1, path));
                Check(new Case(ta, tb, s[0], s[1], s[2]) { ColumnBias = true, RowBias = true, Activation = ActivationKind.LeakyReLU }, Settings(2, path));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void SmallBlockSizes_ExerciseEveryBlockLoop(bool transA, bool transB)
    {
        // MC, KC and NC far below the shapes, so the NC, KC (first/middle/last K block: beta, accumulate,
        // epilogue) and MC loops all run several times, with edges in each.
        // Both sweep orders of the macro loop (strip-major for small packed B blocks, panel-major otherwise).
        foreach (long sweep in new[] { 0L, long.MaxValue })
        {
            var tiny = Settings(threads: 2) with { Mc = 12, KcMax = 20, Nc = 128, ParallelThreshold = 0, RowMajorSweepBytes = sweep };
            foreach (var s in new[] { new[] { 100, 300, 50 }, new[] { 37, 129, 61 }, new[] { 13, 200, 21 } })
            {
                Check(new Case(transA, transB, s[0], s[1], s[2]) { Alpha = 0.9f, Beta = -0.7f, PadA = 2, PadB = 1, PadC = 4 }, tiny);
                Check(new Case(transA, transB, s[0], s[1], s[2]) { ColumnBias = true, RowBias = true, Activation = ActivationKind.Tanh }, tiny);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void OneAndTwoThreads_GiveBitwiseIdenticalResults(bool transA, bool transB)
    {
        // Both split directions: wide N (split N) and tall M with narrow N (split M); small M (in place)
        // and M = 1 (the dot-product path when B is transposed).
        foreach (var s in new[] { new[] { 128, 784, 256 }, new[] { 1000, 10, 257 }, new[] { 257, 257, 257 }, new[] { 7, 1000, 33 }, new[] { 1, 1001, 300 } })
        {
            var c = new Case(transA, transB, s[0], s[1], s[2]) { ColumnBias = true, Activation = ActivationKind.Sigmoid, Beta = 0.25f };
            float[] one = Check(c, Settings(threads: 1) with { ParallelThreshold = 0 });
            float[] two = Check(c, Settings(threads: 2) with { ParallelThreshold = 0 });
            float[] three = Check(c, Settings(threads: 3) with { ParallelThreshold = 0 });
            Assert.Equal(one, two);
            Assert.Equal(one, three);
        }
    }

    [Fact]
    public void PublicOverload_MatchesReference()
    {
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
            Check(new Case(ta, tb, 65, 130, 97) { Alpha = 2f, Beta = 1f, ColumnBias = true, Activation = ActivationKind.ReLU }, null);
    }

    [Fact]
    public void ZeroK_ScalesCAndAppliesEpilogue()
    {
        Check(new Case(false, false, 7, 33, 0) { Beta = 0.5f, ColumnBias = true, RowBias = true, Activation = ActivationKind.GELU }, Settings(1));
        Check(new Case(true, true, 7, 33, 0) { Beta = 0f, Activation = ActivationKind.ReLU }, Settings(1));
    }

    [Fact]
    public void EmptyShapes_DoNothing()
    {
        float x = 5f;
        Sgemm.Multiply(false, false, 0, 3, 4, 1f, null, 4, null, 3, 0f, &x, 3);
        Sgemm.Multiply(false, false, 3, 0, 4, 1f, null, 4, null, 0, 0f, &x, 0);
        Assert.Equal(5f, x);
    }

    [Fact]
    public void LeadingDimensionSmallerThanWidth_IsRejected()
    {
        float[] buf = new float[64];
        fixed (float* p = buf)
        {
            float* q = p;
            Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1f, q, 3, q, 4, 0f, q, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 4, 4, 4, 1f, q, 4, q, 4, 0f, q, 3));
        }
    }

    [Theory]
    [InlineData(256, 784, 128, 1)]
    [InlineData(256, 784, 128, 2)]
    [InlineData(10, 256, 128, 2)]
    [InlineData(33, 7, 1000, 2)]
    public void RowSumsOfA_EqualBiasGradient(int m, int n, int k, int threads)
    {
        // dW = dZᵀ·X with op(A) = dZᵀ: the row sums of op(A) are the bias gradient Σ_batch dZ.
        var rnd = new Random(m * 31 + n);
        float[] dz = Fill(rnd, k * m), x = Fill(rnd, k * n), dw = new float[m * n], sums = new float[m];
        fixed (float* pdz = dz, px = x, pdw = dw, ps = sums)
        {
            Sgemm.Multiply(true, false, m, n, k, 1f, pdz, m, px, n, 0f, pdw, n, default, ps, Settings(threads) with { ParallelThreshold = 0 });
        }
        for (int i = 0; i < m; i++)
        {
            double s = 0, mag = 0;
            for (int p = 0; p < k; p++) { s += dz[p * m + i]; mag += Math.Abs(dz[p * m + i]); }
            Assert.True(Math.Abs(sums[i] - s) <= 1e-5 * mag + 1e-6, $"row {i}: {sums[i]} vs {s}");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private sealed record Case(bool TransA, bool TransB, int M, int N, int K)
    {
        public float Alpha { get; init; } = 1f;
        public float Beta { get; init; }
        public int PadA { get; init; }
        public int PadB { get; init; }
        public int PadC { get; init; }
        public bool ColumnBias { get; init; }
        public bool RowBias { get; init; }
        public ActivationKind Activation { get; init; }
    }

    private static bool IsSupported(SgemmPath p) => p switch
    {
        SgemmPath.Avx512 => SgemmKernel512.IsSupported,
        SgemmPath.Avx2 => SgemmKernel256.IsSupported,
        _ => true,
    };

    private static SgemmSettings Settings(int threads, SgemmPath? path = null) => SgemmSettings.Current with
    {
        Threads = threads,
        Path = path ?? Sgemm.DetectPath(),
        Team = Team,
    };

    private static float[] Fill(Random rnd, int count)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)(rnd.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>Runs the case through the fast kernel (settings null = public overload) and the reference;
    /// asserts the tolerance, that padding columns of C are untouched and that C is not read when beta = 0
    /// (it starts as NaN then). Returns the fast result.</summary>
    private static float[] Check(Case t, SgemmSettings? settings)
    {
        var rnd = new Random(HashCode.Combine(t.M, t.N, t.K, t.TransA, t.TransB, t.Activation, t.Beta));
        int aRows = t.TransA ? t.K : t.M, aCols = t.TransA ? t.M : t.K;
        int bRows = t.TransB ? t.N : t.K, bCols = t.TransB ? t.K : t.N;
        int lda = aCols + t.PadA, ldb = bCols + t.PadB, ldc = t.N + t.PadC;
        float[] a = Fill(rnd, Math.Max(1, aRows * lda)), b = Fill(rnd, Math.Max(1, bRows * ldb));
        // Padding of A and B holds NaN: reading it would poison the result.
        for (int r = 0; r < aRows; r++) for (int j = aCols; j < lda; j++) a[r * lda + j] = float.NaN;
        for (int r = 0; r < bRows; r++) for (int j = bCols; j < ldb; j++) b[r * ldb + j] = float.NaN;
        float[] c0 = Fill(rnd, Math.Max(1, t.M * ldc));
        if (t.Beta == 0f) Array.Fill(c0, float.NaN);
        const float Sentinel = 1234.5f;
        for (int r = 0; r < t.M; r++) for (int j = t.N; j < ldc; j++) c0[r * ldc + j] = Sentinel;
        float[] colBias = Fill(rnd, Math.Max(1, t.N)), rowBias = Fill(rnd, Math.Max(1, t.M));
        float[] fast = (float[])c0.Clone(), slow = (float[])c0.Clone();

        fixed (float* pa = a, pb = b, pf = fast, ps = slow, pcb = colBias, prb = rowBias)
        {
            var ep = new GemmEpilogue(t.ColumnBias ? pcb : null, t.RowBias ? prb : null, t.Activation, 0.1f);
            if (settings is { } s)
                Sgemm.Multiply(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, pa, lda, pb, ldb, t.Beta, pf, ldc, ep, null, s);
            else
                Sgemm.Multiply(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, pa, lda, pb, ldb, t.Beta, pf, ldc, ep);
            SgemmReference.Multiply(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, pa, lda, pb, ldb, t.Beta, ps, ldc, ep);
        }

        double lipschitz = t.Activation == ActivationKind.GELU ? 1.2 : 1.0;
        for (int i = 0; i < t.M; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                if (j >= t.N)
                {
                    Assert.True(fast[at] == Sentinel, $"{t}: padding C[{i},{j}] was overwritten");
                    continue;
                }
                double mag = 0;
                for (int p = 0; p < t.K; p++)
                {
                    double av = t.TransA ? a[p * lda + i] : a[i * lda + p];
                    double bv = t.TransB ? b[j * ldb + p] : b[p * ldb + j];
                    mag += Math.Abs(av * bv);
                }
                mag = Math.Abs(t.Alpha) * mag + (t.Beta == 0f ? 0 : Math.Abs(t.Beta * c0[at]))
                    + (t.ColumnBias ? Math.Abs(colBias[j]) : 0) + (t.RowBias ? Math.Abs(rowBias[i]) : 0);
                double tol = lipschitz * 1e-4 * mag + 1e-6;
                double err = Math.Abs((double)fast[at] - slow[at]);
                Assert.True(err <= tol && !float.IsNaN(fast[at]),
                    $"{t} threads={settings?.Threads}: C[{i},{j}] = {fast[at]}, reference {slow[at]} (error {err:g3} > {tol:g3})");
            }
        }
        return fast;
    }
}
