using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Losses;

/// <summary>Mean squared error over all elements (torch.nn.MSELoss): mean (y − t)², gradient 2(y − t) / elements.
/// Class labels are compared as one-hot vectors (a single output unit takes the label's value).</summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "MeanSquaredError";

    protected override double ForwardLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient) =>
        backend.MeanSquaredError(output, output.Columns == 1 ? LabelColumn(output, labels) : OneHot(output, labels), gradient);

    protected override double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient) =>
        backend.MeanSquaredError(output, targets, gradient);
}
