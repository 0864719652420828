using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Optimizer update rules, one fused pass over (parameter, gradient, state) each, in the form
/// PyTorch's torch.optim documents them. The gradient is never modified (L2 weight decay is folded in
/// on the fly), so a gradient can be inspected after the step. State tensors start at zero.</summary>
public partial interface IBackend
{
    /// <summary>SGD (torch.optim.SGD, dampening 0): g = grad + wd·p; with momentum μ &gt; 0:
    /// v = μ·v + g, g = nesterov ? g + μ·v : v; then p −= lr·g. velocity may be null when μ = 0.</summary>
    void SgdUpdate(Tensor parameter, Tensor gradient, Tensor? velocity, float learningRate, float momentum, bool nesterov, float weightDecay);

    /// <summary>Adam / AdamW (torch.optim.Adam, AdamW): g = grad (+ wd·p unless decoupled);
    /// decoupled: p ·= 1 − lr·wd; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
    /// p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε), t = <paramref name="step"/> ≥ 1.</summary>
    void AdamUpdate(Tensor parameter, Tensor gradient, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupledWeightDecay, long step);

    /// <summary>RMSprop (torch.optim.RMSprop, not centered): g = grad + wd·p; s = ρ·s + (1−ρ)·g²;
    /// with momentum μ &gt; 0: b = μ·b + g/(√s + ε), p −= lr·b; else p −= lr·g/(√s + ε).
    /// momentumBuffer may be null when μ = 0.</summary>
    void RmsPropUpdate(Tensor parameter, Tensor gradient, Tensor squareAverage, Tensor? momentumBuffer, float learningRate,
        float rho, float epsilon, float momentum, float weightDecay);
}
