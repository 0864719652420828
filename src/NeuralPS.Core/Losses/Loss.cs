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

    /// <summary>Per-class weights for class-label targets (index = class id), or null for none. With
    /// weights the loss is the weighted mean Σ w[yᵢ]·lᵢ / Σ w[yᵢ] over the batch, as
    /// torch.nn.CrossEntropyLoss(weight=...) computes it, and each row's gradient is scaled to match.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>The label of a step that takes no part (padding): it adds nothing to the loss, the gradient or
    /// the accuracy, as torch.nn.CrossEntropyLoss(ignore_index=-1).</summary>
    public const int IgnoredLabel = -1;

    /// <summary>Mean loss of output [batch, outputs] against class labels [batch]; or, per step, of output
    /// [batch, time, classes] against labels [batch·time] (row-major: sample, then step), the mean over the
    /// steps whose label is not <see cref="IgnoredLabel"/>.</summary>
    public double Forward(IBackend backend, Tensor output, ReadOnlySpan<int> labels)
    {
        if (labels.Length != output.Rows)
        {
            if (output.Shape.Rank == 3 && labels.Length == output.Rows * output.Shape[1])
                return ForwardSteps(backend, output, labels);
            throw new ShapeMismatchException($"{Name}: {output.Rows} output rows but {labels.Length} labels.");
        }
        var gradient = Tensor.Ensure(ref _gradient, output.Shape);
        _hasGradient = false;
        double loss = ForwardLabels(backend, output, labels, gradient);
        if (ClassWeights is { } weights) loss = Reweight(output, labels, gradient, weights);
        _hasGradient = true;
        return loss;
    }

    // The unweighted pass left gradient rows of (∂lᵢ/∂z)/B; the weighted mean needs w[yᵢ]·(∂lᵢ/∂z)/W with
    // W = Σ w[yⱼ], so each row is scaled by w[yᵢ]·B/W. The loss is recomputed per row in float64.
    private double Reweight(Tensor output, ReadOnlySpan<int> labels, Tensor gradient, float[] weights)
    {
        int rows = labels.Length, columns = output.Columns;
        double weightSum = 0, lossSum = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)weights.Length)
                throw new InvalidConfigurationException($"{Name}: label {label} in row {r} has no class weight; {weights.Length} weights were given.");
            double w = weights[label];
            weightSum += w;
            lossSum += w * LabelRowLoss(output.Span.Slice(r * columns, columns), label);
        }
        if (!(weightSum > 0))
            throw new InvalidConfigurationException($"{Name}: the class weights of a batch's labels sum to {weightSum}; give every class that occurs a positive weight.");
        var g = gradient.Span;
        for (int r = 0; r < rows; r++)
        {
            float scale = (float)(weights[labels[r]] * rows / weightSum);
            System.Numerics.Tensors.TensorPrimitives.Multiply(g.Slice(r * columns, columns), scale, g.Slice(r * columns, columns));
        }
        return lossSum / weightSum;
    }

    private double ForwardSteps(IBackend backend, Tensor output, ReadOnlySpan<int> labels)
    {
        if (ClassWeights is not null)
            throw new InvalidConfigurationException($"{Name}: class weights are not supported with one label per step; train without -ClassWeight.");
        var gradient = Tensor.Ensure(ref _gradient, output.Shape);
        _hasGradient = false;
        double loss = ForwardStepLabels(backend, output, labels, gradient);
        _hasGradient = true;
        return loss;
    }

    /// <summary>Per-step labels: output (B, T, C), labels B·T with <see cref="IgnoredLabel"/> for steps that do
    /// not count; the loss is the mean over the counted steps and the gradient is written for every element
    /// (zero on ignored steps).</summary>
    protected virtual double ForwardStepLabels(IBackend backend, Tensor output, ReadOnlySpan<int> labels, Tensor gradient) =>
        throw new InvalidConfigurationException($"{Name} does not take one class label per step; use CrossEntropy (the default for class labels) with a per-step output (batch, time, classes).");

    /// <summary>The loss of one row against its class label (for class weights), in float64.</summary>
    protected virtual double LabelRowLoss(ReadOnlySpan<float> row, int label) =>
        throw new InvalidConfigurationException($"{Name} does not take class weights; use CrossEntropy or BinaryCrossEntropy.");

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
