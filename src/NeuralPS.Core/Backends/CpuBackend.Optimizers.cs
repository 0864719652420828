using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

// Optimizer updates on the CPU: one fused pass per parameter tensor (OptimizerKernels), because a
// chain of TensorPrimitives calls would stream the parameter, gradient and state through memory
// four to six times per step instead of once.
public sealed partial class CpuBackend
{
    public void SgdUpdate(Tensor parameter, Tensor gradient, Tensor? velocity, float learningRate, float momentum, bool nesterov, float weightDecay)
    {
        SameSize(parameter, gradient, "parameter", "gradient");
        if (momentum != 0f)
        {
            if (velocity is null) throw new InvalidOperationException("SGD with momentum needs a velocity tensor.");
            SameSize(parameter, velocity, "parameter", "velocity");
        }
        OptimizerKernels.Sgd(parameter.Span, gradient.Span, momentum != 0f ? velocity!.Span : Span<float>.Empty,
            learningRate, momentum, nesterov, weightDecay);
    }

    public void AdamUpdate(Tensor parameter, Tensor gradient, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupledWeightDecay, long step)
    {
        SameSize(parameter, gradient, "parameter", "gradient");
        SameSize(parameter, m, "parameter", "first moment");
        SameSize(parameter, v, "parameter", "second moment");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), "Adam steps count from 1.");
        // Bias corrections in double (β^t underflows gracefully), applied as two scalars.
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2 = 1 - Math.Pow(beta2, step);
        OptimizerKernels.Adam(parameter.Span, gradient.Span, m.Span, v.Span,
            stepSize: (float)(learningRate / bc1), inverseSqrtBc2: (float)(1 / Math.Sqrt(bc2)),
            beta1, beta2, epsilon,
            l2: decoupledWeightDecay ? 0f : weightDecay,
            decayFactor: decoupledWeightDecay ? 1f - learningRate * weightDecay : 1f);
    }

    public void RmsPropUpdate(Tensor parameter, Tensor gradient, Tensor squareAverage, Tensor? momentumBuffer, float learningRate,
        float rho, float epsilon, float momentum, float weightDecay)
    {
        SameSize(parameter, gradient, "parameter", "gradient");
        SameSize(parameter, squareAverage, "parameter", "square average");
        if (momentum != 0f)
        {
            if (momentumBuffer is null) throw new InvalidOperationException("RMSprop with momentum needs a momentum buffer.");
            SameSize(parameter, momentumBuffer, "parameter", "momentum buffer");
        }
        OptimizerKernels.RmsProp(parameter.Span, gradient.Span, squareAverage.Span,
            momentum != 0f ? momentumBuffer!.Span : Span<float>.Empty, learningRate, rho, epsilon, momentum, weightDecay);
    }
}
