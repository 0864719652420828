using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Losses;

/// <summary>Categorical cross-entropy from logits with the softmax fused in (torch.nn.CrossEntropyLoss):
/// mean over the batch of log Σ exp(z) − z[label], by log-sum-exp, and dz = (softmax(z) − onehot) / batch.
/// Targets may also be class distributions [batch, classes] (one-hot or soft).
/// The network's last layer should output logits; if it ends in a Softmax (layer or Dense activation) the
/// trainer gives this loss the logits before that softmax, so the result is the same and stays stable.</summary>
public sealed class CrossEntropy : Loss
{
    public override string Name => "CrossEntropy";
    public override ActivationKind FusedActivation => ActivationKind.Softmax;

    protected override double ForwardLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient) =>
        backend.SoftmaxCrossEntropy(output, labels, gradient);

    protected override double LabelRowLoss(ReadOnlySpan<float> row, int label)
    {
        double max = double.NegativeInfinity;
        foreach (float z in row) max = Math.Max(max, z);
        double sum = 0;
        foreach (float z in row) sum += Math.Exp(z - max);
        return max + Math.Log(sum) - row[label];
    }

    // Per step: each (b, t) row of C logits is one softmax cross-entropy term; the loss is the mean over the
    // N counted steps (label ≠ −1) and dz = (softmax(z) − onehot) / N on those rows, 0 on the ignored ones —
    // torch.nn.CrossEntropyLoss(ignore_index=-1, reduction='mean') on logits reshaped to (B·T, C). Sums in
    // float64; per-row work over spans, no allocation.
    protected override double ForwardStepLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient)
    {
        int classes = output.Shape[2];
        ReadOnlySpan<float> z = output.Span;
        Span<float> g = gradient.Span;
        int counted = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            int label = labels[r];
            if (label == IgnoredLabel) continue;
            if ((uint)label >= (uint)classes)
                throw new InvalidConfigurationException($"{Name}: label {label} at sample {r / output.Shape[1]}, step {r % output.Shape[1]} is outside 0..{classes - 1}: the network has {classes} outputs per step.");
            counted++;
        }
        if (counted == 0)
        {
            g.Clear();
            return 0;
        }
        double sum = 0, scale = 1.0 / counted;
        for (int r = 0; r < labels.Length; r++)
        {
            var gr = g.Slice(r * classes, classes);
            int label = labels[r];
            if (label == IgnoredLabel)
            {
                gr.Clear();
                continue;
            }
            var zr = z.Slice(r * classes, classes);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(zr);
            double total = 0;
            for (int k = 0; k < classes; k++)
            {
                float e = MathF.Exp(zr[k] - max);
                gr[k] = e;
                total += e;
            }
            sum += max + Math.Log(total) - zr[label];
            float factor = (float)(scale / total);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gr, factor, gr);
            gr[label] -= (float)scale;
        }
        return sum * scale;
    }

    protected override double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient) =>
        backend.SoftmaxCrossEntropy(output, targets, gradient);
}
