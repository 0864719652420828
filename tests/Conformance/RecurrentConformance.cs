using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Conformance;

/// <summary>Conformance cases for the recurrent and embedding primitives (registered in
/// <see cref="BackendConformance"/>): the strided GEMM against a naive float64 product on sub-matrices
/// with offsets and row strides (and the elements around them untouched); one cell step forward against
/// float64 formulas written from PyTorch's documentation, and backward against central differences of
/// that float64 forward (h = 1e-6, so the reference is exact to ~1e-9) — independent of any backend's
/// derivation. Buffers are laid out as the layers use them: a step in the middle of (batch, time, G·units)
/// projections, processing-order state slots, strided outputs.</summary>
internal static class RecurrentConformance
{
    private static Tensor Random(NeuralRandom r, int n, float scale = 1f)
    {
        var t = new Tensor(n);
        for (int i = 0; i < n; i++) t[i] = (r.NextSingle() * 2 - 1) * scale;
        return t;
    }

    private static void Close(double expected, float actual, string what, double scale = 1)
    {
        double tol = 1e-4 * Math.Abs(expected) + 1e-5 * Math.Max(1, scale);
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:G9}, got {actual:G9}");
    }

    public static void GemmStrided(IBackend backend)
    {
        var r = new NeuralRandom(31);
        foreach (var (m, n, k) in new[] { (3, 5, 4), (17, 9, 33), (1, 40, 7) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
                    int lda = aCols + 3, ldb = bCols + 2, ldc = n + 5, ao = 7, bo = 4, co = 6;
                    var a = Random(r, ao + aRows * lda);
                    var b = Random(r, bo + bRows * ldb);
                    var c = Random(r, co + m * ldc + 4);
                    var c0 = c.ToArray();
                    backend.GemmStrided(m, n, k, a, ao, lda, ta, b, bo, ldb, tb, c, co, ldc, alpha: 0.5f, beta: 1f);
                    var inside = new bool[c.Size];
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            double s = 0;
                            for (int p = 0; p < k; p++)
                                s += (double)a[ao + (ta ? p * lda + i : i * lda + p)] * b[bo + (tb ? j * ldb + p : p * ldb + j)];
                            int at = co + i * ldc + j;
                            inside[at] = true;
                            Close(0.5 * s + c0[at], c[at], $"C[{i},{j}] of {m}x{n}x{k} ta={ta} tb={tb}", k);
                        }
                    for (int i = 0; i < c.Size; i++)
                        if (!inside[i]) Assert.True(c0[i] == c[i], $"GemmStrided wrote outside C at {i}");
                }
    }

    // ---- one cell step in float64 ----

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>h (and c) of one sample from the ih and hh projections (biases already added), h₋ and c₋.</summary>
    private static (double[] H, double[] C) Step(RecurrentCellKind cell, double[] xp, double[] hp, double[] hPrev, double[] cPrev, int u)
    {
        var h = new double[u];
        var c = new double[u];
        for (int j = 0; j < u; j++)
        {
            switch (cell)
            {
                case RecurrentCellKind.SimpleRNN:
                    h[j] = Math.Tanh(xp[j] + hp[j]);
                    break;
                case RecurrentCellKind.LSTM:
                {
                    double i = Sigmoid(xp[j] + hp[j]), f = Sigmoid(xp[u + j] + hp[u + j]);
                    double g = Math.Tanh(xp[2 * u + j] + hp[2 * u + j]), o = Sigmoid(xp[3 * u + j] + hp[3 * u + j]);
                    c[j] = f * cPrev[j] + i * g;
                    h[j] = o * Math.Tanh(c[j]);
                    break;
                }
                default:
                {
                    double rg = Sigmoid(xp[j] + hp[j]), z = Sigmoid(xp[u + j] + hp[u + j]);
                    double n = Math.Tanh(xp[2 * u + j] + rg * hp[2 * u + j]);
                    h[j] = (1 - z) * n + z * hPrev[j];
                    break;
                }
            }
        }
        return (h, c);
    }

    public static void Cell(IBackend backend, RecurrentCellKind cell)
    {
        const int batch = 3, u = 5, time = 3, t = 1, s = 2; // step s reads time t (a reverse direction's order)
        int g = RecurrentCells.GateCount(cell) * u, cached = RecurrentCells.CachedGateCount(cell) * u;
        var r = new NeuralRandom(40 + (ulong)cell);
        var p = Random(r, batch * time * g, 1.5f);
        var q = Random(r, batch * g, 1.5f);
        var bih = Random(r, g, 0.5f);
        var bhh = Random(r, g, 0.5f);
        var hidden = Random(r, (time + 1) * batch * u);
        var cellState = Random(r, (time + 1) * batch * u);
        var gates = new Tensor(time * batch * Math.Max(cached, 1));
        int width = 2 * u; // a bidirectional (batch, time, 2u) output, this direction second
        var output = new Tensor(batch * time * width);
        var hPrev0 = hidden.ToArray();
        var step = new RecurrentStep
        {
            Cell = cell, Batch = batch, Units = u,
            InputProjection = p, InputOffset = t * g, InputStride = time * g,
            HiddenProjection = q, HiddenOffset = 0, BiasIH = bih, BiasHH = bhh,
            Hidden = hidden, CellState = cell == RecurrentCellKind.LSTM ? cellState : null,
            PreviousOffset = s * batch * u, StateOffset = (s + 1) * batch * u,
            Gates = cached > 0 ? gates : null, GatesOffset = s * batch * cached,
            Output = output, OutputOffset = t * width + u, OutputStride = time * width,
        };
        backend.RecurrentCellForward(step);

        // Reference inputs per sample (biases folded into the projections as the cell does).
        double[] Xp(int b) => Enumerable.Range(0, g).Select(k => (double)p[b * time * g + t * g + k] + bih[k]).ToArray();
        double[] Hp(int b) => Enumerable.Range(0, g).Select(k => (double)q[b * g + k] + bhh[k]).ToArray();
        double[] HPrev(int b) => Enumerable.Range(0, u).Select(j => (double)hPrev0[s * batch * u + b * u + j]).ToArray();
        double[] CPrev(int b) => Enumerable.Range(0, u).Select(j => (double)cellState[s * batch * u + b * u + j]).ToArray();
        for (int b = 0; b < batch; b++)
        {
            var (h, c) = Step(cell, Xp(b), Hp(b), HPrev(b), CPrev(b), u);
            for (int j = 0; j < u; j++)
            {
                Close(h[j], hidden[(s + 1) * batch * u + b * u + j], $"{cell} h[{b},{j}]");
                Assert.Equal(hidden[(s + 1) * batch * u + b * u + j], output[b * time * width + t * width + u + j]);
                if (cell == RecurrentCellKind.LSTM) Close(c[j], cellState[(s + 1) * batch * u + b * u + j], $"LSTM c[{b},{j}]");
            }
        }

        // Backward: dLoss/dh from above (strided) plus the carry, dLoss/dc carry.
        var dOut = Random(r, batch * time * width);
        var dh = Random(r, batch * u);
        var dc = Random(r, batch * u);
        double[] dh0 = dh.ToArray().Select(v => (double)v).ToArray(), dc0 = dc.ToArray().Select(v => (double)v).ToArray();
        var dp = new Tensor(batch * time * g);
        var dq = new Tensor(time * batch * g);
        backend.RecurrentCellBackward(step with
        {
            InputProjection = dp, HiddenProjection = dq, HiddenOffset = s * batch * g, Output = null,
            OutputGradient = dOut, OutputGradientOffset = t * width + u, OutputGradientStride = time * width,
            HiddenGradient = dh, CellGradient = cell == RecurrentCellKind.LSTM ? dc : null,
        });
        const double eps = 1e-6;
        for (int b = 0; b < batch; b++)
        {
            double[] up = new double[u];
            for (int j = 0; j < u; j++) up[j] = dOut[b * time * width + t * width + u + j] + dh0[b * u + j];
            double Loss(double[] xp, double[] hp, double[] hq, double[] cq)
            {
                var (h, c) = Step(cell, xp, hp, hq, cq, u);
                double l = 0;
                for (int j = 0; j < u; j++) l += up[j] * h[j] + (cell == RecurrentCellKind.LSTM ? dc0[b * u + j] * c[j] : 0);
                return l;
            }
            double Numeric(Func<double[]> make, int k, Func<double[], double> loss)
            {
                var plus = make(); plus[k] += eps;
                var minus = make(); minus[k] -= eps;
                return (loss(plus) - loss(minus)) / (2 * eps);
            }
            for (int k = 0; k < g; k++)
            {
                Close(Numeric(() => Xp(b), k, v => Loss(v, Hp(b), HPrev(b), CPrev(b))), dp[b * time * g + t * g + k], $"{cell} dInputProjection[{b},{k}]");
                Close(Numeric(() => Hp(b), k, v => Loss(Xp(b), v, HPrev(b), CPrev(b))), dq[s * batch * g + b * g + k], $"{cell} dHiddenProjection[{b},{k}]");
            }
            for (int j = 0; j < u; j++)
            {
                // The carry out is the part of dh₋ that bypasses W_hh (hp held fixed), and dc₋.
                Close(Numeric(() => HPrev(b), j, v => Loss(Xp(b), Hp(b), v, CPrev(b))), dh[b * u + j], $"{cell} dh_prev direct[{b},{j}]");
                if (cell == RecurrentCellKind.LSTM)
                    Close(Numeric(() => CPrev(b), j, v => Loss(Xp(b), Hp(b), HPrev(b), v)), dc[b * u + j], $"LSTM dc_prev[{b},{j}]");
            }
        }
    }

    /// <summary>A mask of (1, 0, 1): the unmasked samples get exactly what an unmasked step gives; the masked
    /// one keeps h and c, outputs zeros (ZeroMaskedOutput), and in backward passes dh and dc through unchanged
    /// with zero projection gradients.</summary>
    public static void CellMasked(IBackend backend, RecurrentCellKind cell)
    {
        const int batch = 3, u = 4;
        int g = RecurrentCells.GateCount(cell) * u, cached = Math.Max(RecurrentCells.CachedGateCount(cell) * u, 1);
        var r = new NeuralRandom(60 + (ulong)cell);
        var p = Random(r, batch * g, 1.5f);
        var q = Random(r, batch * g, 1.5f);
        var bih = Random(r, g, 0.5f);
        var bhh = Random(r, g, 0.5f);
        var h0 = Random(r, 2 * batch * u);
        var c0 = Random(r, 2 * batch * u);
        var mask = new Tensor(new Shape(3 * 2));
        mask[0] = 1; mask[2] = 0; mask[4] = 1; // stride 2: samples 0, 1, 2
        RecurrentStep Step(Tensor hidden, Tensor cellState, Tensor gates, Tensor output, Tensor? m) => new()
        {
            Cell = cell, Batch = batch, Units = u, InputProjection = p, InputOffset = 0, InputStride = g,
            HiddenProjection = q, BiasIH = bih, BiasHH = bhh, Hidden = hidden,
            CellState = cell == RecurrentCellKind.LSTM ? cellState : null, PreviousOffset = 0, StateOffset = batch * u,
            Gates = RecurrentCells.CachedGateCount(cell) > 0 ? gates : null, Output = output, OutputStride = u,
            Mask = m, MaskOffset = 0, MaskStride = 2, ZeroMaskedOutput = true,
        };
        Tensor H() => Tensor.FromArray(new Shape(h0.Size), h0.Span);
        Tensor C() => Tensor.FromArray(new Shape(c0.Size), c0.Span);
        var (hm, cm, gm, om) = (H(), C(), new Tensor(batch * cached), new Tensor(batch * u));
        var (hu, cu, gu, ou) = (H(), C(), new Tensor(batch * cached), new Tensor(batch * u));
        var masked = Step(hm, cm, gm, om, mask);
        backend.RecurrentCellForward(masked);
        backend.RecurrentCellForward(Step(hu, cu, gu, ou, null));
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < u; j++)
            {
                int at = batch * u + b * u + j;
                if (b == 1)
                {
                    Assert.Equal(h0[b * u + j], hm[at]);
                    if (cell == RecurrentCellKind.LSTM) Assert.Equal(c0[b * u + j], cm[at]);
                    Assert.Equal(0f, om[b * u + j]);
                }
                else
                {
                    Assert.Equal(hu[at], hm[at]);
                    Assert.Equal(ou[b * u + j], om[b * u + j]);
                }
            }
        var dOut = Random(r, batch * u);
        var dh = Random(r, batch * u);
        var dc = Random(r, batch * u);
        var (dh1, dc1) = (dh.ToArray(), dc.ToArray());
        var dp = Random(r, batch * g);
        var dq = Random(r, batch * g);
        backend.RecurrentCellBackward(masked with
        {
            InputProjection = dp, HiddenProjection = dq, Output = null, OutputGradient = dOut, OutputGradientStride = u,
            HiddenGradient = dh, CellGradient = cell == RecurrentCellKind.LSTM ? dc : null,
        });
        for (int k = 0; k < g; k++)
        {
            Assert.Equal(0f, dp[g + k]);
            Assert.Equal(0f, dq[g + k]);
        }
        for (int j = 0; j < u; j++)
        {
            Assert.Equal(dh1[u + j], dh[u + j]);
            if (cell == RecurrentCellKind.LSTM) Assert.Equal(dc1[u + j], dc[u + j]);
        }
    }

    public static void Embedding(IBackend backend)
    {
        var r = new NeuralRandom(50);
        const int vocabulary = 7, dims = 4, batch = 3, time = 5;
        var w = Random(r, vocabulary * dims);
        var weight = new Tensor(new Shape(vocabulary, dims), w.Data);
        var ids = new Tensor(new Shape(batch, time));
        for (int i = 0; i < ids.Size; i++) ids[i] = r.NextInt(vocabulary);
        ids[3] = 2; // the padding id appears
        var y = new Tensor(batch * time * dims);
        backend.EmbeddingForward(ids, weight, y, paddingIndex: 2);
        for (int i = 0; i < ids.Size; i++)
            for (int j = 0; j < dims; j++)
                Assert.Equal(ids[i] == 2 ? 0f : weight[(int)ids[i] * dims + j], y[i * dims + j]);
        var dy = Random(r, y.Size);
        var dw = new Tensor(new Shape(vocabulary, dims));
        dw.Fill(9f); // overwritten, not accumulated
        backend.EmbeddingBackward(ids, dy, dw, paddingIndex: 2);
        for (int v = 0; v < vocabulary; v++)
            for (int j = 0; j < dims; j++)
            {
                double s = 0;
                for (int i = 0; i < ids.Size; i++) if (ids[i] == v && v != 2) s += dy[i * dims + j];
                Close(s, dw[v * dims + j], $"dW[{v},{j}]");
            }
        ids[4] = vocabulary;
        Assert.Throws<DataFormatException>(() => backend.EmbeddingForward(ids, weight, y, -1));
    }
}
