using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Losses;

/// <summary>Mean squared error over all elements (torch.nn.MSELoss): mean (y − t)², gradient 2(y − t) / elements.
/// Class labels are compared as one-hot vectors (a single output unit takes the label's value).
/// With <see cref="IgnoreNaNTargets"/>, a NaN target marks a value that does not count (a padded step of a
/// per-step regression, (batch, time, k) targets): the loss is the mean over the other elements and the
/// gradient there is zero. Off by default: a NaN in the data then makes the loss NaN, and training stops
/// naming the record (NonFiniteGuard).</summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "MeanSquaredError";

    /// <summary>Treat NaN targets as masked (not counted) instead of as bad data.</summary>
    public bool IgnoreNaNTargets { get; set; }

    protected override double ForwardLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient) =>
        backend.MeanSquaredError(output, output.Columns == 1 ? LabelColumn(output, labels) : OneHot(output, labels), gradient);

    protected override double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient)
    {
        // One vectorised sum finds the rare masked batch (NaN, or ±∞ overflow, which the masked path treats
        // as counted); the common case stays on the backend's kernel.
        if (!IgnoreNaNTargets || !float.IsNaN(System.Numerics.Tensors.TensorPrimitives.Sum(targets.Span)))
            return backend.MeanSquaredError(output, targets, gradient);
        return Masked(output.Span, targets.Span, gradient.Span);
    }

    private static double Masked(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> g)
    {
        int counted = 0;
        for (int i = 0; i < t.Length; i++) if (!float.IsNaN(t[i])) counted++;
        if (counted == 0)
        {
            g.Clear();
            return 0;
        }
        double sum = 0, scale = 2.0 / counted;
        for (int i = 0; i < t.Length; i++)
        {
            if (float.IsNaN(t[i]))
            {
                g[i] = 0;
                continue;
            }
            double d = (double)y[i] - t[i];
            sum += d * d;
            g[i] = (float)(scale * d);
        }
        return sum / counted;
    }
}
