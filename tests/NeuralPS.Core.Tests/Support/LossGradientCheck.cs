using NeuralPS.Core.Backends;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Support;

/// <summary>Central finite-difference check of a loss's gradient with respect to the network output.
/// The objective is the loss's own return value (accumulated in float64 by the backend); the analytic
/// gradient is Backward() after Forward. Per-element terms are computed in float32 (exp, log), whose
/// relative rounding of ~1e-7 divided by the step h = 1e-3 bounds the numeric error near 1e-4 — hence
/// the absolute tolerance.</summary>
public static class LossGradientCheck
{
    public static void Check(Loss loss, Tensor output, int[]? labels, Tensor? targets,
        double step = 1e-3, double relativeTolerance = 1e-2, double absoluteTolerance = 2e-4)
    {
        var backend = CpuBackend.Instance;
        double Objective() => labels is not null ? loss.Forward(backend, output, labels) : loss.Forward(backend, output, targets!);

        Objective();
        var analytic = loss.Backward().ToArray();
        Assert.Equal(output.Size, analytic.Length);
        var failures = new List<string>();
        for (int i = 0; i < output.Size; i++)
        {
            float original = output[i];
            output[i] = (float)(original + step);
            double plus = Objective();
            output[i] = (float)(original - step);
            double minus = Objective();
            output[i] = original;
            double h = ((double)(float)(original + step) - (float)(original - step)) / 2;
            double numeric = (plus - minus) / (2 * h);
            double tol = relativeTolerance * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)) + absoluteTolerance;
            if (!(Math.Abs(analytic[i] - numeric) <= tol))
                failures.Add($"  d{loss.Name}/dOutput[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
        Assert.True(failures.Count == 0, $"Gradient check of {loss.Name} failed:\n" + string.Join("\n", failures.Take(20)));
    }
}
