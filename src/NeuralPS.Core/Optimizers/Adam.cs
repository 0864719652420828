using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Optimizers;

/// <summary>Adam (Kingma &amp; Ba) as torch.optim.Adam, and AdamW (Loshchilov &amp; Hutter) as
/// torch.optim.AdamW when <see cref="DecoupledWeightDecay"/> is set. They differ only in weight decay:
/// Adam adds wd·p to the gradient (L2, which the adaptive scaling then weakens for parameters with large
/// gradients); AdamW shrinks p by lr·wd directly, independent of the gradient statistics.
/// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε).</summary>
public sealed class Adam : Optimizer
{
    private static readonly string[] MomentState = { "m", "v" };

    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool decoupledWeightDecay = false)
        : base(learningRate, weightDecay)
    {
        DecoupledWeightDecay = decoupledWeightDecay;
        Beta1 = CheckedFraction(beta1, "beta1", Name);
        Beta2 = CheckedFraction(beta2, "beta2", Name);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
            throw new InvalidConfigurationException($"{Name}: epsilon must be a positive number but is {epsilon}.");
        Epsilon = (float)epsilon;
    }

    public override string Name => DecoupledWeightDecay ? "AdamW" : "Adam";
    public bool DecoupledWeightDecay { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    protected override string[] StateNames => MomentState;

    protected override void Update(IBackend backend, Parameter parameter, Tensor[] state, float learningRate, float weightDecay, long step) =>
        backend.AdamUpdate(parameter.Value, parameter.Gradient, state[0], state[1], learningRate, Beta1, Beta2, Epsilon,
            weightDecay, DecoupledWeightDecay, step);
}
