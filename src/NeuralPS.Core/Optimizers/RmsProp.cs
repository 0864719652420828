using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Optimizers;

/// <summary>RMSprop as torch.optim.RMSprop (not centred): s = ρ·s + (1−ρ)·g², step = g/(√s + ε);
/// with momentum μ: b = μ·b + step, p −= lr·b; else p −= lr·step. ρ defaults to PyTorch's 0.99
/// (Keras uses 0.9). L2 weight decay.</summary>
public sealed class RmsProp : Optimizer
{
    private static readonly string[] SquareState = { "square_avg" };
    private static readonly string[] SquareAndMomentumState = { "square_avg", "momentum_buffer" };

    public RmsProp(double learningRate = 1e-3, double rho = 0.99, double epsilon = 1e-8, double momentum = 0, double weightDecay = 0)
        : base(learningRate, weightDecay)
    {
        Rho = CheckedFraction(rho, "rho", "RMSprop");
        Momentum = CheckedFraction(momentum, "momentum", "RMSprop");
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
            throw new InvalidConfigurationException($"RMSprop: epsilon must be a positive number but is {epsilon}.");
        Epsilon = (float)epsilon;
    }

    public override string Name => "RMSprop";
    public float Rho { get; }
    public float Epsilon { get; }
    public float Momentum { get; }

    protected override string[] StateNames => Momentum != 0 ? SquareAndMomentumState : SquareState;

    protected override void Update(IBackend backend, Parameter parameter, Tensor[] state, float learningRate, float weightDecay, long step) =>
        backend.RmsPropUpdate(parameter.Value, parameter.Gradient, state[0], state.Length > 1 ? state[1] : null,
            learningRate, Rho, Epsilon, Momentum, weightDecay);
}
