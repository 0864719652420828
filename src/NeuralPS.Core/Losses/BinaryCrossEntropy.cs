using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Losses;

/// <summary>Binary cross-entropy from logits with the sigmoid fused in (torch.nn.BCEWithLogitsLoss):
/// mean over all elements of max(z,0) − z·t + log(1 + e^−|z|), gradient (sigmoid(z) − t) / elements.
/// With one output unit, class labels 0/1 are the targets; with K units (multi-label), a label marks its
/// unit as 1 and the rest 0, or a [batch, K] target tensor of 0/1 gives any number of positives per row.
/// A trailing Sigmoid in the network is handled by the trainer (the loss is given its input).</summary>
public sealed class BinaryCrossEntropy : Loss
{
    public override string Name => "BinaryCrossEntropy";
    public override ActivationKind FusedActivation => ActivationKind.Sigmoid;

    protected override double ForwardLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient)
    {
        Tensor targets;
        if (output.Columns == 1)
        {
            for (int r = 0; r < labels.Length; r++)
            {
                if ((uint)labels[r] > 1)
                    throw new InvalidConfigurationException($"BinaryCrossEntropy with one output needs labels 0 or 1, but row {r} has label {labels[r]}. Use CrossEntropy with one output per class for more classes.");
            }
            targets = LabelColumn(output, labels);
        }
        else
        {
            targets = OneHot(output, labels);
        }
        return backend.BinaryCrossEntropyWithLogits(output, targets, gradient);
    }

    protected override double LabelRowLoss(ReadOnlySpan<float> row, int label)
    {
        double sum = 0;
        for (int k = 0; k < row.Length; k++)
        {
            double z = row[k], t = row.Length == 1 ? label : (k == label ? 1 : 0);
            sum += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }
        return sum / row.Length;
    }

    protected override double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient) =>
        backend.BinaryCrossEntropyWithLogits(output, targets, gradient);
}
