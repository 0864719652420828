using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Conformance;

/// <summary>The backend conformance suite: every IBackend primitive checked against a naive float64
/// reference written here, independently of any backend. The same cases run on every backend present
/// (CPU in NeuralPS.Core.Tests, CUDA in NeuralPS.Cuda.Tests, skipped there with the reason when no
/// device is usable). Tolerance: relative 1e-4 plus an absolute floor scaled by the reduction length,
/// the float32 rounding error of a length-k dot product against a float64 reference.</summary>
public static class BackendConformance
{
    private static readonly Dictionary<string, Action<IBackend>> All = new()
    {
        ["Gemm/NN"] = b => Gemm(b, false, false),
        ["Gemm/NT"] = b => Gemm(b, false, true),
        ["Gemm/TN"] = b => Gemm(b, true, false),
        ["Gemm/TT"] = b => Gemm(b, true, true),
        ["Gemm/AlphaBeta"] = GemmAlphaBeta,
        ["DenseForward/ReLU"] = b => DenseForward(b, ActivationKind.ReLU),
        ["DenseForward/Tanh"] = b => DenseForward(b, ActivationKind.Tanh),
        ["DenseForward/None"] = b => DenseForward(b, ActivationKind.None),
        ["DenseBackward"] = DenseBackward,
        ["Activation/ReLU"] = b => Activation(b, ActivationKind.ReLU),
        ["Activation/LeakyReLU"] = b => Activation(b, ActivationKind.LeakyReLU),
        ["Activation/Sigmoid"] = b => Activation(b, ActivationKind.Sigmoid),
        ["Activation/Tanh"] = b => Activation(b, ActivationKind.Tanh),
        ["Activation/GELU"] = b => Activation(b, ActivationKind.GELU),
        ["Activation/GELUTanh"] = b => Activation(b, ActivationKind.GELUTanh),
        ["Activation/ELU"] = b => Activation(b, ActivationKind.ELU),
        ["Activation/SELU"] = b => Activation(b, ActivationKind.SELU),
        ["Activation/SiLU"] = b => Activation(b, ActivationKind.SiLU),
        ["Activation/Softplus"] = b => Activation(b, ActivationKind.Softplus),
        ["Activation/HardSigmoid"] = b => Activation(b, ActivationKind.HardSigmoid),
        ["Activation/HardSwish"] = b => Activation(b, ActivationKind.HardSwish),
        ["DenseForward/GELU"] = b => DenseForward(b, ActivationKind.GELU),
        ["DenseForward/SiLU"] = b => DenseForward(b, ActivationKind.SiLU),
        ["SoftmaxAxis"] = SoftmaxAxis,
        ["Softmax"] = Softmax,
        ["SoftmaxCrossEntropy"] = SoftmaxCrossEntropy,
        ["MeanSquaredError"] = MeanSquaredError,
        ["AdamUpdate"] = AdamUpdate,
        ["SgdUpdate/Nesterov"] = SgdUpdate,
        ["Conv2d/3x3-valid"] = b => Conv(b, ConvolutionGeometry.Create(2, 3, 9, 8, 5, 3, 3)),
        ["Conv2d/1ch-same"] = b => Conv(b, ConvolutionGeometry.Create(3, 1, 11, 11, 4, 3, 3, padding: PaddingMode.Same)),
        ["Conv2d/stride2-pad1-dilation2"] = b => Conv(b, ConvolutionGeometry.Create(1, 4, 13, 10, 6, 3, 2, 2, 2, PaddingMode.Explicit, 1, 1, 2, 2)),
        ["Conv2d/groups2"] = b => Conv(b, ConvolutionGeometry.Create(2, 4, 7, 7, 6, 3, 3, padding: PaddingMode.Same, groups: 2)),
        ["MaxPool2d"] = MaxPool,
        ["AvgPool2d"] = AvgPool,
        ["BatchNormInference"] = BatchNormInference,
        ["GemmStrided"] = RecurrentConformance.GemmStrided,
        ["RecurrentCell/SimpleRNN"] = b => RecurrentConformance.Cell(b, RecurrentCellKind.SimpleRNN),
        ["RecurrentCell/LSTM"] = b => RecurrentConformance.Cell(b, RecurrentCellKind.LSTM),
        ["RecurrentCell/GRU"] = b => RecurrentConformance.Cell(b, RecurrentCellKind.GRU),
        ["RecurrentCell/SimpleRNN/masked"] = b => RecurrentConformance.CellMasked(b, RecurrentCellKind.SimpleRNN),
        ["RecurrentCell/LSTM/masked"] = b => RecurrentConformance.CellMasked(b, RecurrentCellKind.LSTM),
        ["RecurrentCell/GRU/masked"] = b => RecurrentConformance.CellMasked(b, RecurrentCellKind.GRU),
        ["Embedding"] = RecurrentConformance.Embedding,
    };

    public static IEnumerable<object[]> Cases => All.Keys.Order().Select(k => new object[] { k });

    public static void Run(string name, IBackend backend) => All[name](backend);

    private static readonly (int M, int N, int K)[] Shapes =
        { (1, 1, 1), (7, 33, 1), (33, 7, 257), (257, 33, 7), (1, 257, 33), (64, 10, 256), (130, 70, 90) };

    private static Tensor Random(NeuralRandom r, params int[] dims)
    {
        var t = new Tensor(dims);
        for (int i = 0; i < t.Size; i++) t[i] = r.NextSingle() * 2 - 1;
        return t;
    }

    private static void Close(double expected, float actual, double scale, string what)
    {
        double tol = 1e-4 * Math.Abs(expected) + 1e-6 * Math.Max(1, scale);
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:G9}, got {actual:G9}");
    }

    private static double Dot(Tensor a, bool ta, Tensor b, bool tb, int i, int j, int k)
    {
        double s = 0;
        for (int p = 0; p < k; p++)
        {
            double av = ta ? a[p * a.Columns + i] : a[i * a.Columns + p];
            double bv = tb ? b[j * b.Columns + p] : b[p * b.Columns + j];
            s += av * bv;
        }
        return s;
    }

    private static void Gemm(IBackend backend, bool ta, bool tb)
    {
        var r = new NeuralRandom(11);
        foreach (var (m, n, k) in Shapes)
        {
            var a = ta ? Random(r, k, m) : Random(r, m, k);
            var b = tb ? Random(r, n, k) : Random(r, k, n);
            var c = new Tensor(m, n);
            backend.Gemm(a, ta, b, tb, c);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    Close(Dot(a, ta, b, tb, i, j, k), c[i * n + j], k, $"C[{i},{j}] of {m}x{n}x{k}");
        }
    }

    private static void GemmAlphaBeta(IBackend backend)
    {
        var r = new NeuralRandom(12);
        var a = Random(r, 9, 17);
        var b = Random(r, 17, 5);
        var c = Random(r, 9, 5);
        var c0 = c.ToArray();
        backend.Gemm(a, false, b, false, c, alpha: 0.5f, beta: -2f);
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 5; j++)
                Close(0.5 * Dot(a, false, b, false, i, j, 17) - 2.0 * c0[i * 5 + j], c[i * 5 + j], 17, $"C[{i},{j}]");
    }

    private static double Act(ActivationKind kind, double x, double alpha) => kind switch
    {
        ActivationKind.None => x,
        ActivationKind.ReLU => Math.Max(0, x),
        ActivationKind.LeakyReLU => x > 0 ? x : alpha * x,
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.GELU => 0.5 * x * (1 + NeuralPS.Core.Backends.Cpu.ErrorFunction.Erf(x / Math.Sqrt(2))),
        ActivationKind.GELUTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        ActivationKind.ELU => x > 0 ? x : alpha * (Math.Exp(x) - 1),
        ActivationKind.SELU => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.Exp(x) - 1)),
        ActivationKind.SiLU => x / (1 + Math.Exp(-x)),
        ActivationKind.Softplus => x > 20 ? x : Math.Log(1 + Math.Exp(x)),
        ActivationKind.HardSigmoid => Math.Min(Math.Max(x + 3, 0), 6) / 6,
        ActivationKind.HardSwish => x * Math.Min(Math.Max(x + 3, 0), 6) / 6,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void DenseForward(IBackend backend, ActivationKind kind)
    {
        var r = new NeuralRandom(13);
        foreach (var (batch, outF, inF) in Shapes)
        {
            var x = Random(r, batch, inF);
            var w = Random(r, outF, inF);
            var bias = Random(r, outF);
            var y = new Tensor(batch, outF);
            backend.DenseForward(x, w, bias, y, kind);
            for (int i = 0; i < batch; i++)
                for (int o = 0; o < outF; o++)
                    Close(Act(kind, Dot(x, false, w, true, i, o, inF) + bias[o], 0.01), y[i * outF + o], inF, $"Y[{i},{o}]");
        }
    }

    private static void DenseBackward(IBackend backend)
    {
        var r = new NeuralRandom(14);
        foreach (var (batch, outF, inF) in Shapes)
        {
            var x = Random(r, batch, inF);
            var w = Random(r, outF, inF);
            var dz = Random(r, batch, outF);
            var dw = new Tensor(outF, inF);
            var db = new Tensor(outF);
            var dx = new Tensor(batch, inF);
            backend.DenseBackward(x, w, dz, dw, db, dx);
            for (int o = 0; o < outF; o++)
            {
                double s = 0;
                for (int i = 0; i < batch; i++) s += dz[i * outF + o];
                Close(s, db[o], batch, $"dBias[{o}]");
                for (int c = 0; c < inF; c++) Close(Dot(dz, true, x, false, o, c, batch), dw[o * inF + c], batch, $"dW[{o},{c}]");
            }
            for (int i = 0; i < batch; i++)
                for (int c = 0; c < inF; c++) Close(Dot(dz, false, w, false, i, c, outF), dx[i * inF + c], outF, $"dX[{i},{c}]");
        }
    }

    private static void Activation(IBackend backend, ActivationKind kind)
    {
        var r = new NeuralRandom(15);
        var x = Random(r, 13, 37);
        for (int i = 0; i < x.Size; i++) x[i] *= 4;
        var y = new Tensor(13, 37);
        var dy = Random(r, 13, 37);
        var dx = new Tensor(13, 37);
        backend.ActivationForward(x, y, kind, 0.01f);
        backend.ActivationBackward(x, y, dy, dx, kind, 0.01f);
        for (int i = 0; i < x.Size; i++)
        {
            double xv = x[i];
            Close(Act(kind, xv, 0.01), y[i], 1, $"{kind}({xv})");
            if (Math.Abs(xv) < 1e-3) continue; // kinks (ReLU at 0) have no unique derivative
            double h = 1e-5;
            double d = (Act(kind, xv + h, 0.01) - Act(kind, xv - h, 0.01)) / (2 * h);
            double expected = d * dy[i];
            Assert.True(Math.Abs(expected - dx[i]) <= 1e-3 * Math.Abs(expected) + 1e-5, $"{kind}'({xv}) · dy: expected {expected}, got {dx[i]}");
        }
    }

    private static double[] SoftmaxRow(Tensor x, int row, int n)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < n; j++) max = Math.Max(max, x[row * n + j]);
        var e = new double[n];
        double s = 0;
        for (int j = 0; j < n; j++) s += e[j] = Math.Exp(x[row * n + j] - max);
        for (int j = 0; j < n; j++) e[j] /= s;
        return e;
    }

    private static void Softmax(IBackend backend)
    {
        var r = new NeuralRandom(16);
        var x = Random(r, 5, 10);
        x[3] = 80f; // would overflow exp without the max subtraction
        var y = new Tensor(5, 10);
        backend.Softmax(x, y);
        for (int i = 0; i < 5; i++)
        {
            var p = SoftmaxRow(x, i, 10);
            for (int j = 0; j < 10; j++) Close(p[j], y[i * 10 + j], 1, $"softmax[{i},{j}]");
        }
    }

    // Softmax over axis 1 of (N, C, H, W) (PyTorch's dim=1) and axis 2, and its backward, against a naive loop.
    private static void SoftmaxAxis(IBackend backend)
    {
        var r = new NeuralRandom(26);
        int[] dims = { 2, 3, 4, 5 };
        var x = Random(r, dims);
        for (int i = 0; i < x.Size; i++) x[i] *= 3;
        var dy = Random(r, dims);
        foreach (int axis in new[] { 1, 2, -3 })
        {
            int a = axis < 0 ? axis + 4 : axis;
            int outer = 1, inner = 1, n = dims[a];
            for (int i = 0; i < a; i++) outer *= dims[i];
            for (int i = a + 1; i < 4; i++) inner *= dims[i];
            var y = new Tensor(dims);
            var dx = new Tensor(dims);
            backend.Softmax(x, y, axis);
            backend.SoftmaxBackward(y, dy, dx, axis);
            for (int o = 0; o < outer; o++)
                for (int s = 0; s < inner; s++)
                {
                    double max = double.NegativeInfinity, sum = 0, dot = 0;
                    for (int k = 0; k < n; k++) max = Math.Max(max, x[(o * n + k) * inner + s]);
                    var p = new double[n];
                    for (int k = 0; k < n; k++) sum += p[k] = Math.Exp(x[(o * n + k) * inner + s] - max);
                    for (int k = 0; k < n; k++) { p[k] /= sum; dot += p[k] * dy[(o * n + k) * inner + s]; }
                    for (int k = 0; k < n; k++)
                    {
                        int idx = (o * n + k) * inner + s;
                        Close(p[k], y[idx], 1, $"softmax axis {axis} [{idx}]");
                        Close(p[k] * (dy[idx] - dot), dx[idx], n, $"softmax backward axis {axis} [{idx}]");
                    }
                }
        }
    }

    private static void SoftmaxCrossEntropy(IBackend backend)
    {
        var r = new NeuralRandom(17);
        int batch = 6, classes = 10;
        var logits = Random(r, batch, classes);
        logits[0] = 500f; // extreme but finite logit
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = r.NextInt(classes);
        var d = new Tensor(batch, classes);
        double loss = backend.SoftmaxCrossEntropy(logits, labels, d);
        double expected = 0;
        for (int i = 0; i < batch; i++)
        {
            var p = SoftmaxRow(logits, i, classes);
            expected -= Math.Log(Math.Max(p[labels[i]], 1e-300)) / batch;
            for (int j = 0; j < classes; j++) Close((p[j] - (j == labels[i] ? 1 : 0)) / batch, d[i * classes + j], 1, $"dLogits[{i},{j}]");
        }
        Assert.True(double.IsFinite(loss));
        Assert.True(Math.Abs(expected - loss) <= 1e-4 * Math.Abs(expected) + 1e-5, $"loss {loss} vs {expected}");
    }

    private static void MeanSquaredError(IBackend backend)
    {
        var r = new NeuralRandom(18);
        var o = Random(r, 7, 3);
        var t = Random(r, 7, 3);
        var d = new Tensor(7, 3);
        double loss = backend.MeanSquaredError(o, t, d);
        double expected = 0;
        for (int i = 0; i < 21; i++) expected += (o[i] - (double)t[i]) * (o[i] - (double)t[i]) / 21;
        Assert.True(Math.Abs(expected - loss) <= 1e-5, $"loss {loss} vs {expected}");
        for (int i = 0; i < 21; i++) Close(2.0 * (o[i] - (double)t[i]) / 21, d[i], 1, $"dOut[{i}]");
    }

    private static void AdamUpdate(IBackend backend)
    {
        var r = new NeuralRandom(19);
        var p = Random(r, 33);
        var g = Random(r, 33);
        var m = new Tensor(33);
        var v = new Tensor(33);
        var p0 = p.ToArray();
        double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        backend.AdamUpdate(p, g, m, v, (float)lr, (float)b1, (float)b2, (float)eps, (float)wd, decoupledWeightDecay: true, step: 1);
        for (int i = 0; i < 33; i++)
        {
            double pi = p0[i] * (1 - lr * wd);
            double mi = (1 - b1) * g[i], vi = (1 - b2) * g[i] * (double)g[i];
            double expected = pi - lr / (1 - b1) * mi / (Math.Sqrt(vi) / Math.Sqrt(1 - b2) + eps);
            Close(expected, p[i], 1, $"p[{i}]");
            Close(mi, m[i], 1, $"m[{i}]");
        }
    }

    private static void SgdUpdate(IBackend backend)
    {
        var r = new NeuralRandom(20);
        var p = Random(r, 17);
        var g = Random(r, 17);
        var vel = new Tensor(17);
        var p0 = p.ToArray();
        backend.SgdUpdate(p, g, vel, 0.1f, 0.9f, nesterov: true, weightDecay: 0f);
        for (int i = 0; i < 17; i++)
        {
            double vv = g[i];                 // v = 0.9·0 + g
            double step = g[i] + 0.9 * vv;    // Nesterov
            Close(p0[i] - 0.1 * step, p[i], 1, $"p[{i}]");
        }
    }

    // Direct convolution in float64, written from the definition (cross-correlation, NCHW, groups).
    private static double ConvAt(Tensor x, Tensor w, in ConvolutionGeometry g, int n, int k, int oy, int ox)
    {
        int cPerGroup = g.InputChannels / g.Groups, kPerGroup = g.Filters / g.Groups, group = k / kPerGroup;
        double s = 0;
        for (int c = 0; c < cPerGroup; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                    int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                    if (iy < 0 || iy >= g.InputHeight || ix < 0 || ix >= g.InputWidth) continue;
                    int ci = group * cPerGroup + c;
                    s += (double)x[((n * g.InputChannels + ci) * g.InputHeight + iy) * g.InputWidth + ix]
                       * w[((k * cPerGroup + c) * g.KernelHeight + ky) * g.KernelWidth + kx];
                }
        return s;
    }

    private static void Conv(IBackend backend, ConvolutionGeometry g)
    {
        var r = new NeuralRandom(21);
        var x = Random(r, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth);
        var w = Random(r, g.Filters, g.InputChannels / g.Groups, g.KernelHeight, g.KernelWidth);
        var bias = Random(r, g.Filters);
        var y = new Tensor(g.Batch, g.Filters, g.OutputHeight, g.OutputWidth);
        backend.Conv2dForward(x, w, bias, y, g, ActivationKind.ReLU);
        int patch = g.InputChannels / g.Groups * g.KernelHeight * g.KernelWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.Filters; k++)
                for (int oy = 0; oy < g.OutputHeight; oy++)
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                        Close(Math.Max(0, ConvAt(x, w, g, n, k, oy, ox) + bias[k]), y[((n * g.Filters + k) * g.OutputHeight + oy) * g.OutputWidth + ox], patch, $"y[{n},{k},{oy},{ox}] of {g}");

        // Backward: with L = Σ y·dy (no activation), dx and dW are the adjoints of the linear map above;
        // checked through the identity <dy, conv(x)> = <dx, x> for random x, and dW by perturbation-free sums.
        var dy = Random(r, g.Batch, g.Filters, g.OutputHeight, g.OutputWidth);
        var dx = new Tensor(x.Shape);
        var dw = new Tensor(w.Shape);
        var db = new Tensor(g.Filters);
        backend.Conv2dBackwardData(dy, w, dx, g);
        backend.Conv2dBackwardFilter(x, dy, dw, db, g);
        var dxRef = new double[x.Size];
        var dwRef = new double[w.Size];
        var dbRef = new double[g.Filters];
        int cPerGroup = g.InputChannels / g.Groups, kPerGroup = g.Filters / g.Groups;
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.Filters; k++)
                for (int oy = 0; oy < g.OutputHeight; oy++)
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        double d = dy[((n * g.Filters + k) * g.OutputHeight + oy) * g.OutputWidth + ox];
                        dbRef[k] += d;
                        int group = k / kPerGroup;
                        for (int c = 0; c < cPerGroup; c++)
                            for (int ky = 0; ky < g.KernelHeight; ky++)
                                for (int kx = 0; kx < g.KernelWidth; kx++)
                                {
                                    int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                                    int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                                    if (iy < 0 || iy >= g.InputHeight || ix < 0 || ix >= g.InputWidth) continue;
                                    int xi = ((n * g.InputChannels + group * cPerGroup + c) * g.InputHeight + iy) * g.InputWidth + ix;
                                    int wi = ((k * cPerGroup + c) * g.KernelHeight + ky) * g.KernelWidth + kx;
                                    dxRef[xi] += d * w[wi];
                                    dwRef[wi] += d * x[xi];
                                }
                    }
        int reduce = g.Batch * g.OutputHeight * g.OutputWidth;
        for (int i = 0; i < dx.Size; i++) Close(dxRef[i], dx[i], g.Filters * g.KernelHeight * g.KernelWidth, $"dx[{i}] of {g}");
        for (int i = 0; i < dw.Size; i++) Close(dwRef[i], dw[i], reduce, $"dW[{i}] of {g}");
        for (int k = 0; k < g.Filters; k++) Close(dbRef[k], db[k], reduce, $"dBias[{k}] of {g}");
    }

    private static void MaxPool(IBackend backend)
    {
        var r = new NeuralRandom(22);
        var g = PoolingGeometry.Create(2, 3, 9, 8, 2, 2, 2, 2);
        var x = Random(r, 2, 3, 9, 8);
        var y = new Tensor(2, 3, g.OutputHeight, g.OutputWidth);
        backend.MaxPool2dForward(x, y, g);
        var dy = Random(r, y.Shape.ToArray());
        var dx = new Tensor(x.Shape);
        backend.MaxPool2dBackward(x, dy, dx, g);
        var dxRef = new double[x.Size];
        for (int nc = 0; nc < 6; nc++)
            for (int oy = 0; oy < g.OutputHeight; oy++)
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < 2; ky++)
                        for (int kx = 0; kx < 2; kx++)
                        {
                            int iy = oy * 2 + ky, ix = ox * 2 + kx;
                            if (iy >= 9 || ix >= 8) continue;
                            int xi = (nc * 9 + iy) * 8 + ix;
                            if (best < 0 || x[xi] > x[best]) best = xi;
                        }
                    int yi = (nc * g.OutputHeight + oy) * g.OutputWidth + ox;
                    Close(x[best], y[yi], 1, $"maxpool y[{yi}]");
                    dxRef[best] += dy[yi];
                }
        for (int i = 0; i < dx.Size; i++) Close(dxRef[i], dx[i], 1, $"maxpool dx[{i}]");
    }

    private static void AvgPool(IBackend backend)
    {
        var r = new NeuralRandom(23);
        var g = PoolingGeometry.Create(1, 2, 6, 6, 3, 3, 3, 3);
        var x = Random(r, 1, 2, 6, 6);
        var y = new Tensor(1, 2, g.OutputHeight, g.OutputWidth);
        backend.AvgPool2dForward(x, y, g);
        for (int c = 0; c < 2; c++)
            for (int oy = 0; oy < 2; oy++)
                for (int ox = 0; ox < 2; ox++)
                {
                    double s = 0;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) s += x[(c * 6 + oy * 3 + ky) * 6 + ox * 3 + kx];
                    Close(s / 9, y[(c * 2 + oy) * 2 + ox], 9, $"avgpool y[{c},{oy},{ox}]");
                }
    }

    private static void BatchNormInference(IBackend backend)
    {
        var r = new NeuralRandom(24);
        var x = Random(r, 3, 4, 5, 5);
        var gamma = Random(r, 4);
        var beta = Random(r, 4);
        var mean = Random(r, 4);
        var variance = new Tensor(4);
        for (int c = 0; c < 4; c++) variance[c] = 0.5f + r.NextSingle();
        var y = new Tensor(x.Shape);
        backend.BatchNormForwardInference(x, gamma, beta, mean, variance, y, 1e-5f);
        for (int n = 0; n < 3; n++)
            for (int c = 0; c < 4; c++)
                for (int i = 0; i < 25; i++)
                {
                    int xi = (n * 4 + c) * 25 + i;
                    double expected = gamma[c] * (x[xi] - (double)mean[c]) / Math.Sqrt(variance[c] + 1e-5) + beta[c];
                    Close(expected, y[xi], 1, $"bn y[{xi}]");
                }
    }
}
