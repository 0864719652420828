using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Losses;

/// <summary>A training objective over a batch. <c>Forward</c> returns the mean loss and computes
/// dLoss/dOutput in the same pass (for the fused losses the gradient falls out of the forward work);
/// <see cref="Backward"/> hands that gradient out. Targets are either class labels (one int per row)
/// or a tensor shaped like the output. The gradient buffer is owned by the loss and reused, so a
/// steady training step allocates nothing.</summary>
public abstract class Loss
{
    private Tensor? _gradient;
    private Tensor? _labelTargets;
    private bool _hasGradient;

    /// <summary>"CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError".</summary>
    public abstract string Name { get; }

    /// <summary>The output activation this loss is defined through (Softmax for CrossEntropy, Sigmoid for
    /// BinaryCrossEntropy): the loss takes logits, and when a network ends in this activation the
    /// trainer feeds the loss the pre-activation instead. None for losses on raw outputs.</summary>
    public virtual ActivationKind FusedActivation => ActivationKind.None;

    /// <summary>Mean loss of output [batch, outputs] against class labels [batch].</summary>
    public double Forward(IBackend backend, Tensor output, ReadOnlySpan<int> labels)
    {
        if (labels.Length != output.Rows)
            throw new ShapeMismatchException($"{Name}: {output.Rows} output rows but {labels.Length} labels.");
        var gradient = Tensor.Ensure(ref _gradient, output.Shape);
        _hasGradient = false;
        double loss = ForwardLabels(backend, output, labels, gradient);
        _hasGradient = true;
        return loss;
    }

    /// <summary>Mean loss of output against targets of the same shape.</summary>
    public double Forward(IBackend backend, Tensor output, Tensor targets)
    {
        if (targets.Size != output.Size)
            throw new ShapeMismatchException($"{Name}: the output {output.Shape} and the targets {targets.Shape} differ in size.");
        var gradient = Tensor.Ensure(ref _gradient, output.Shape);
        _hasGradient = false;
        double loss = ForwardTargets(backend, output, targets, gradient);
        _hasGradient = true;
        return loss;
    }

    /// <summary>dLoss/dOutput of the last Forward (owned by the loss; valid until the next Forward).</summary>
    public Tensor Backward() => _hasGradient ? _gradient! : throw new InvalidOperationException($"{Name}: Backward before Forward.");

    protected abstract double ForwardLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient);

    protected abstract double ForwardTargets(IBackend backend, Tensor output, Tensor targets, Tensor gradient);

    /// <summary>One-hot targets shaped like <paramref name="output"/> from labels (a reused buffer).</summary>
    protected Tensor OneHot(Tensor output, ReadOnlySpan<int> labels)
    {
        var t = Tensor.Ensure(ref _labelTargets, output.Shape);
        t.Clear();
        int classes = output.Columns;
        for (int r = 0; r < labels.Length; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)classes)
                throw new InvalidConfigurationException($"{Name}: label {label} in row {r} is outside 0..{classes - 1}: the network has {classes} outputs.");
            t[r * classes + label] = 1f;
        }
        return t;
    }

    /// <summary>Labels as a [batch, 1] target column (0/1 for a single sigmoid output).</summary>
    protected Tensor LabelColumn(Tensor output, ReadOnlySpan<int> labels)
    {
        var t = Tensor.Ensure(ref _labelTargets, output.Shape);
        for (int r = 0; r < labels.Length; r++) t[r] = labels[r];
        return t;
    }

    public override string ToString() => Name;
}
