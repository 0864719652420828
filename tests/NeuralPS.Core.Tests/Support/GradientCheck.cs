using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Support;

/// <summary>Central finite-difference gradient checks for layers. The scalar objective is
/// L = Σ out[i]·r[i] with a fixed random r, accumulated in float64, so dL/dout = r exactly and the
/// analytic input/parameter gradients from Backward(r) can be compared with (L(x+h) − L(x−h)) / 2h.
/// The layers compute in float32, so h and the tolerance are sized for float32 rounding:
/// |analytic − numeric| ≤ RelativeTolerance·max(|a|,|n|) + AbsoluteTolerance.</summary>
public static class GradientCheck
{
    public sealed class Options
    {
        public double Step { get; init; } = 1e-3;
        public double RelativeTolerance { get; init; } = 2e-2;
        public double AbsoluteTolerance { get; init; } = 2e-3;
        /// <summary>At most this many elements of each tensor are probed (chosen at random).</summary>
        public int MaxProbesPerTensor { get; init; } = 64;
        /// <summary>Training-mode forward (dropout masks are redrawn from the same seed each time).</summary>
        public bool Training { get; init; } = true;
        public bool CheckInput { get; init; } = true;
        /// <summary>False for a frozen layer, which computes no parameter gradients.</summary>
        public bool CheckParameters { get; init; } = true;
        public ulong Seed { get; init; } = 1234;
    }

    /// <summary>Runs the check on an already built layer and input [batch, ..InputShape]; asserts on failure.</summary>
    public static void Check(Layer layer, Tensor input, Options? options = null, IBackend? backend = null)
    {
        options ??= new Options();
        backend ??= CpuBackend.Instance;
        LayerContext Ctx() => new(backend, options.Training, new NeuralRandom(options.Seed));

        var output = layer.Forward(input, Ctx());
        var rng = new NeuralRandom(options.Seed + 1);
        var r = new Tensor(output.Shape);
        for (int i = 0; i < r.Size; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);

        // Analytic gradients (copied: the layer owns and reuses its buffers).
        layer.Forward(input, Ctx());
        var dInput = layer.Backward(r, Ctx(), needInputGradient: options.CheckInput);
        var inputGrad = dInput?.ToArray();
        var paramGrads = layer.Parameters.Select(p => p.Gradient.ToArray()).ToArray();

        double Objective()
        {
            var o = layer.Forward(input, Ctx());
            double s = 0;
            var os = o.Span;
            var rs = r.Span;
            for (int i = 0; i < os.Length; i++) s += (double)os[i] * rs[i];
            return s;
        }

        var failures = new List<string>();
        if (options.CheckInput)
        {
            Assert.NotNull(inputGrad);
            Assert.Equal(input.Size, inputGrad!.Length);
            Probe("input", input, inputGrad, Objective, options, rng, failures);
        }
        for (int p = 0; options.CheckParameters && p < layer.Parameters.Count; p++)
        {
            var param = layer.Parameters[p];
            Probe(param.Name, param.Value, paramGrads[p], Objective, options, rng, failures);
        }
        Assert.True(failures.Count == 0, $"Gradient check of {layer.Type} '{layer.Name}' failed:\n" + string.Join("\n", failures.Take(20)));
    }

    private static void Probe(string what, Tensor t, float[] analytic, Func<double> objective, Options o, NeuralRandom rng, List<string> failures)
    {
        int n = t.Size;
        IEnumerable<int> indices = n <= o.MaxProbesPerTensor
            ? Enumerable.Range(0, n)
            : Enumerable.Range(0, o.MaxProbesPerTensor).Select(_ => rng.NextInt(n)).Distinct();
        foreach (int i in indices)
        {
            float original = t[i];
            t[i] = (float)(original + o.Step);
            double plus = objective();
            t[i] = (float)(original - o.Step);
            double minus = objective();
            t[i] = original;
            double actualStep = ((double)(float)(original + o.Step) - (float)(original - o.Step)) / 2;
            double numeric = (plus - minus) / (2 * actualStep);
            double a = analytic[i];
            double tol = o.RelativeTolerance * Math.Max(Math.Abs(a), Math.Abs(numeric)) + o.AbsoluteTolerance;
            if (!(Math.Abs(a - numeric) <= tol))
                failures.Add($"  {what}[{i}]: analytic {a:G6}, numeric {numeric:G6}");
        }
        objective(); // leave the layer's caches consistent with the unperturbed input
    }

    /// <summary>A tensor of the given shape with values uniform in [-scale, scale).</summary>
    public static Tensor Random(Shape shape, ulong seed, float scale = 1f)
    {
        var rng = new NeuralRandom(seed);
        var t = new Tensor(shape);
        for (int i = 0; i < t.Size; i++) t[i] = (rng.NextSingle() * 2 - 1) * scale;
        return t;
    }
}
