using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Optimizers;

/// <summary>Stochastic gradient descent as torch.optim.SGD (dampening 0): g = grad + wd·p;
/// with momentum μ: v = μ·v + g and g = v (or g + μ·v with Nesterov); p −= lr·g. L2 weight decay.</summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] NoState = Array.Empty<string>();
    private static readonly string[] VelocityState = { "velocity" };

    public Sgd(double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
        : base(learningRate, weightDecay)
    {
        Momentum = CheckedFraction(momentum, "momentum", "SGD");
        if (nesterov && Momentum == 0)
            throw new InvalidConfigurationException("SGD: Nesterov momentum needs a momentum greater than 0 (e.g. -Momentum 0.9).");
        Nesterov = nesterov;
    }

    public override string Name => "SGD";
    public float Momentum { get; }
    public bool Nesterov { get; }

    protected override string[] StateNames => Momentum != 0 ? VelocityState : NoState;

    protected override void Update(IBackend backend, Parameter parameter, Tensor[] state, float learningRate, float weightDecay, long step) =>
        backend.SgdUpdate(parameter.Value, parameter.Gradient, state.Length > 0 ? state[0] : null, learningRate, Momentum, Nesterov, weightDecay);
}
