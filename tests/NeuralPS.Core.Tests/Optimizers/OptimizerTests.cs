using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Optimizers;

/// <summary>Each update rule against its formula evaluated in float64 over three steps, on 45 elements
/// (Vector512 body, an 8-lane vector step and a scalar tail), for a weight (decayed) and a bias (never decayed). The kernels
/// compute in float32, so agreement is to ~1e-6 relative; the tolerance is 1e-5 relative + 1e-6.</summary>
public class OptimizerTests
{
    private const int N = 45; // 2×16 (Vector512) + 8 (Vector<float>) + 5 (scalar tail)

    /// <summary>Updates one element in float64: p (in/out), its gradient, its state slots (in/out),
    /// whether weight decay applies to it, and the 1-based step.</summary>
    private delegate void Rule(ref double p, double g, double[] state, bool decays, int t);

    private static void CheckAgainstReference(Optimizer optimizer, Rule rule, int steps = 3)
    {
        var weight = new Parameter("weight", new Shape(N), applyWeightDecay: true);
        var bias = new Parameter("bias", new Shape(N), applyWeightDecay: false);
        var rng = new NeuralRandom(5);
        var w = new double[N];
        var b = new double[N];
        for (int i = 0; i < N; i++)
        {
            w[i] = weight.Value[i] = (float)(rng.NextDouble() * 2 - 1);
            b[i] = bias.Value[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        var stateW = Enumerable.Range(0, N).Select(_ => new double[4]).ToArray();
        var stateB = Enumerable.Range(0, N).Select(_ => new double[4]).ToArray();
        optimizer.Bind(new[] { weight, bias }, new[] { "w", "b" });

        for (int t = 1; t <= steps; t++)
        {
            var g = new NeuralRandom(100 + (ulong)t);
            for (int i = 0; i < N; i++)
            {
                weight.Gradient[i] = (float)(g.NextDouble() * 2 - 1);
                bias.Gradient[i] = (float)(g.NextDouble() * 0.2 - 0.1);
            }
            optimizer.Step(CpuBackend.Instance);
            for (int i = 0; i < N; i++)
            {
                rule(ref w[i], weight.Gradient[i], stateW[i], true, t);
                rule(ref b[i], bias.Gradient[i], stateB[i], false, t);
            }
        }
        for (int i = 0; i < N; i++)
        {
            Assert.True(Math.Abs(w[i] - weight.Value[i]) <= 1e-6 + 1e-5 * Math.Abs(w[i]), $"weight[{i}]: expected {w[i]:G9}, got {weight.Value[i]:G9}");
            Assert.True(Math.Abs(b[i] - bias.Value[i]) <= 1e-6 + 1e-5 * Math.Abs(b[i]), $"bias[{i}]: expected {b[i]:G9}, got {bias.Value[i]:G9}");
        }
        Assert.Equal(steps, optimizer.StepCount);
    }

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.0)]
    [InlineData(0.9, true, 0.0)]
    [InlineData(0.8, true, 0.01)]
    [InlineData(0.0, false, 0.05)]
    public void Sgd_MatchesTorchFormula(double momentum, bool nesterov, double weightDecay)
    {
        const double lr = 0.1;
        CheckAgainstReference(new Sgd(lr, momentum, nesterov, weightDecay), (ref double p, double g, double[] s, bool decays, int t) =>
        {
            g += (decays ? weightDecay : 0) * p;
            if (momentum != 0)
            {
                s[0] = momentum * s[0] + g;
                g = nesterov ? g + momentum * s[0] : s[0];
            }
            p -= lr * g;
        });
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.01, false)]
    [InlineData(0.1, true)]
    public void Adam_And_AdamW_MatchTheirFormulas(double weightDecay, bool decoupled)
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        CheckAgainstReference(new Adam(lr, b1, b2, eps, weightDecay, decoupled), (ref double p, double g, double[] s, bool decays, int t) =>
        {
            double wd = decays ? weightDecay : 0;
            if (decoupled) p *= 1 - lr * wd;
            else g += wd * p;
            s[0] = b1 * s[0] + (1 - b1) * g;
            s[1] = b2 * s[1] + (1 - b2) * g * g;
            double mHat = s[0] / (1 - Math.Pow(b1, t));
            double vHat = s[1] / (1 - Math.Pow(b2, t));
            p -= lr * mHat / (Math.Sqrt(vHat) + eps);
        });
    }

    /// <summary>A tensor of several <see cref="OptimizerKernels.ParallelChunk"/>s is updated by both threads of
    /// the team; every element must still be exactly what the one-element formula in float32 gives (the kernels
    /// use no fused multiply-add, so the vector body, the tail and the chunk a thread takes cannot matter).</summary>
    [Theory]
    [InlineData(0f, 1f)]
    [InlineData(0.01f, 1f)]
    [InlineData(0f, 0.999f)]
    public void Adam_SplitOverTheThreadTeam_IsExactlyTheElementFormula(float l2, float decay)
    {
        int n = 3 * OptimizerKernels.ParallelChunk + 37;
        var rng = new Random(7);
        float[] Fill(double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] p = Fill(1), g = Fill(0.1), m = Fill(0.01), v = Fill(0.001).Select(Math.Abs).ToArray();
        float[] ep = (float[])p.Clone(), em = (float[])m.Clone(), ev = (float[])v.Clone();
        const float step = 0.0123f, ibc2 = 1.37f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        // Split over the team wherever the machine has two cores or more (Sgemm.MaxThreads is not changed here: other
        // test classes running beside this one read it).
        OptimizerKernels.Adam(p, g, m, v, step, ibc2, b1, b2, eps, l2, decay);
        for (int i = 0; i < n; i++)
        {
            float pi = ep[i], gi = g[i] + l2 * pi;
            pi = pi * decay;
            float mi = b1 * em[i] + (1f - b1) * gi;
            float vi = b2 * ev[i] + (1f - b2) * (gi * gi);
            float expected = pi - step * (mi / (MathF.Sqrt(vi) * ibc2 + eps));
            Assert.True(mi == m[i] && vi == v[i] && expected == p[i], $"element {i}: p {p[i]:G9} vs {expected:G9}, m {m[i]:G9} vs {mi:G9}, v {v[i]:G9} vs {vi:G9}");
        }
    }

    [Fact]
    public void Adam_FirstStep_MovesEachWeightByAboutTheLearningRate()
    {
        // With bias correction, step 1 is lr·g/(|g| + ε) = ±lr for every element whatever |g| is.
        var p = new Parameter("w", new Shape(3), true);
        p.Gradient[0] = 5f; p.Gradient[1] = -0.001f; p.Gradient[2] = 0.3f;
        var adam = new Adam(0.01);
        adam.Bind(new[] { p });
        adam.Step(CpuBackend.Instance);
        Assert.Equal(-0.01f, p.Value[0], 6);
        Assert.Equal(0.01f, p.Value[1], 5);
        Assert.Equal(-0.01f, p.Value[2], 6);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 0.0)]
    [InlineData(0.5, 0.02)]
    public void RmsProp_MatchesTorchFormula(double momentum, double weightDecay)
    {
        const double lr = 0.01, rho = 0.99, eps = 1e-8;
        CheckAgainstReference(new RmsProp(lr, rho, eps, momentum, weightDecay), (ref double p, double g, double[] s, bool decays, int t) =>
        {
            g += (decays ? weightDecay : 0) * p;
            s[0] = rho * s[0] + (1 - rho) * g * g;
            double step = g / (Math.Sqrt(s[0]) + eps);
            if (momentum != 0)
            {
                s[1] = momentum * s[1] + step;
                step = s[1];
            }
            p -= lr * step;
        });
    }

    [Theory]
    [InlineData("sgd", "SGD")]
    [InlineData("Adam", "Adam")]
    [InlineData("ADAMW", "AdamW")]
    [InlineData("RMSprop", "RMSprop")]
    public void Factory_CreatesByNameCaseInsensitively(string name, string expected) =>
        Assert.Equal(expected, OptimizerFactory.Create(new TrainingOptions { Optimizer = name }).Name);

    [Fact]
    public void Factory_UnknownName_ListsValidOnes()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => OptimizerFactory.Create(new TrainingOptions { Optimizer = "Adagrad" }));
        Assert.Contains("Adagrad", ex.Message);
        Assert.Contains("SGD, Adam, AdamW, RMSprop", ex.Message);
    }

    [Theory]
    [InlineData("SGD", 0.0, 0.0, true)]   // Nesterov without momentum
    [InlineData("SGD", -0.1, 0.0, false)] // negative learning rate
    [InlineData("Adam", 0.0, -1.0, false)] // negative weight decay
    [InlineData("SGD", 1.0, 0.0, false)]  // momentum 1
    public void Factory_RefusesBadHyperParameters(string name, double momentumOrLr, double weightDecay, bool nesterov)
    {
        var o = new TrainingOptions { Optimizer = name, WeightDecay = weightDecay, Nesterov = nesterov };
        if (momentumOrLr < 0) o.LearningRate = momentumOrLr; else o.Momentum = momentumOrLr;
        Assert.Throws<InvalidConfigurationException>(() => OptimizerFactory.Create(o));
    }

    [Fact]
    public void State_IsNamedPerParameter_AndRestoresIntoAFreshOptimizer()
    {
        var net = new Network("n", new Shape(3), 1).Add(new Dense(2));
        foreach (var p in net.Parameters) p.Gradient.Fill(0.5f);
        var adam = new Adam(0.1);
        adam.Bind(net);
        adam.Step(CpuBackend.Instance);
        adam.Step(CpuBackend.Instance);
        Assert.Equal(new[] { "dense_1.weight.m", "dense_1.weight.v", "dense_1.bias.m", "dense_1.bias.v" }, adam.State.Select(s => s.Name));

        var saved = adam.State.Select(s => (s.Name, s.Value.Clone())).ToList();
        var fresh = new Adam(0.1);
        fresh.Bind(net);
        fresh.RestoreState(adam.StepCount, saved);
        Assert.Equal(2, fresh.StepCount);
        for (int i = 0; i < saved.Count; i++) Assert.Equal(saved[i].Item2.ToArray(), fresh.State[i].Value.ToArray());
    }

    [Fact]
    public void RestoreState_WithAMissingTensor_ChangesNothing()
    {
        var net = new Network("n", new Shape(3), 1).Add(new Dense(2));
        var adam = new Adam();
        adam.Bind(net);
        var partial = adam.State.Take(3).Select(s => (s.Name, s.Value.Clone())).ToList();
        partial[0].Item2.Fill(9f);
        Assert.Throws<ModelFileException>(() => adam.RestoreState(5, partial));
        Assert.Equal(0, adam.StepCount);
        Assert.All(adam.State[0].Value.ToArray(), v => Assert.Equal(0f, v));
    }
}
