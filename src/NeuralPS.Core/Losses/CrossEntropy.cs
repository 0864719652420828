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

    protected override double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient) =>
        backend.SoftmaxCrossEntropy(output, targets, gradient);
}
