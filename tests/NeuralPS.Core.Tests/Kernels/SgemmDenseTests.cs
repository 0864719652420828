using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>CpuBackend's Dense primitives (the GEMM's main callers) against float64 loops:
/// Y = act(X·Wᵀ + b); dW = dZᵀ·X, dBias = Σ_batch dZ, dX = dZ·W. Tolerance as in SgemmTests:
/// 1e-4 relative to the magnitude Σ|terms|.</summary>
public sealed class SgemmDenseTests
{
    [Theory]
    [InlineData(1, 784, 256, ActivationKind.ReLU)]
    [InlineData(128, 784, 256, ActivationKind.ReLU)]
    [InlineData(64, 256, 10, ActivationKind.None)]
    [InlineData(7, 33, 257, ActivationKind.Tanh)]
    [InlineData(33, 1, 7, ActivationKind.Sigmoid)]
    public void DenseForward_MatchesReference(int batch, int inF, int outF, ActivationKind activation)
    {
        var rnd = new Random(batch + inF * 7 + outF * 13);
        var x = Random(rnd, batch, inF);
        var w = Random(rnd, outF, inF);
        var b = Random(rnd, outF);
        var y = new Tensor(batch, outF);
        CpuBackend.Instance.DenseForward(x, w, b, y, activation);
        for (int i = 0; i < batch; i++)
        {
            for (int o = 0; o < outF; o++)
            {
                double z = b[o], mag = Math.Abs(b[o]);
                for (int p = 0; p < inF; p++) { z += (double)x[i * inF + p] * w[o * inF + p]; mag += Math.Abs((double)x[i * inF + p] * w[o * inF + p]); }
                double expected = NeuralPS.Core.Backends.Cpu.SgemmReference.Activate(activation, z, 0.01);
                Assert.True(Math.Abs(y[i * outF + o] - expected) <= 1e-4 * mag + 1e-6, $"Y[{i},{o}] = {y[i * outF + o]}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData(128, 784, 256, true, true)]
    [InlineData(64, 256, 10, true, true)]
    [InlineData(1, 33, 7, true, false)]
    [InlineData(7, 257, 33, false, true)]
    [InlineData(300, 5, 3, true, true)]
    public void DenseBackward_MatchesReference(int batch, int inF, int outF, bool withBias, bool withDx)
    {
        var rnd = new Random(batch * 3 + inF + outF * 11);
        var x = Random(rnd, batch, inF);
        var w = Random(rnd, outF, inF);
        var dz = Random(rnd, batch, outF);
        var dw = Filled(float.NaN, outF, inF); // overwritten, never read
        var db = withBias ? Filled(float.NaN, outF) : null;
        var dx = withDx ? Filled(float.NaN, batch, inF) : null;
        CpuBackend.Instance.DenseBackward(x, w, dz, dw, db, dx);

        for (int o = 0; o < outF; o++)
        {
            for (int p = 0; p < inF; p++)
            {
                double s = 0, mag = 0;
                for (int i = 0; i < batch; i++) { double t = (double)dz[i * outF + o] * x[i * inF + p]; s += t; mag += Math.Abs(t); }
                Assert.True(Math.Abs(dw[o * inF + p] - s) <= 1e-4 * mag + 1e-6, $"dW[{o},{p}] = {dw[o * inF + p]}, expected {s}");
            }
            if (db is not null)
            {
                double s = 0, mag = 0;
                for (int i = 0; i < batch; i++) { s += dz[i * outF + o]; mag += Math.Abs(dz[i * outF + o]); }
                Assert.True(Math.Abs(db[o] - s) <= 1e-5 * mag + 1e-6, $"dBias[{o}] = {db[o]}, expected {s}");
            }
        }
        if (dx is not null)
        {
            for (int i = 0; i < batch; i++)
            {
                for (int p = 0; p < inF; p++)
                {
                    double s = 0, mag = 0;
                    for (int o = 0; o < outF; o++) { double t = (double)dz[i * outF + o] * w[o * inF + p]; s += t; mag += Math.Abs(t); }
                    Assert.True(Math.Abs(dx[i * inF + p] - s) <= 1e-4 * mag + 1e-6, $"dX[{i},{p}] = {dx[i * inF + p]}, expected {s}");
                }
            }
        }
    }

    [Fact]
    public void Gemm_RejectsDisagreeingShapes()
    {
        Assert.Throws<ShapeMismatchException>(() =>
            CpuBackend.Instance.Gemm(new Tensor(3, 4), false, new Tensor(5, 6), false, new Tensor(3, 6)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Gemm_MatchesReferenceForEveryTranspose(bool ta, bool tb)
    {
        const int m = 17, n = 70, k = 45;
        var rnd = new Random(5);
        var a = ta ? Random(rnd, k, m) : Random(rnd, m, k);
        var b = tb ? Random(rnd, n, k) : Random(rnd, k, n);
        var c = Random(rnd, m, n);
        var c0 = c.Clone();
        CpuBackend.Instance.Gemm(a, ta, b, tb, c, alpha: 0.5f, beta: 2f);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    s += t; mag += Math.Abs(t);
                }
                double expected = 0.5 * s + 2.0 * c0[i * n + j];
                Assert.True(Math.Abs(c[i * n + j] - expected) <= 1e-4 * (0.5 * mag + 2 * Math.Abs(c0[i * n + j])) + 1e-6);
            }
        }
    }

    private static Tensor Random(Random rnd, params int[] dims)
    {
        var t = new Tensor(dims);
        for (int i = 0; i < t.Size; i++) t[i] = (float)(rnd.NextDouble() * 2 - 1);
        return t;
    }

    private static Tensor Filled(float value, params int[] dims)
    {
        var t = new Tensor(dims);
        t.Fill(value);
        return t;
    }
}
