using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Scalar definitions of the element-wise activations and their derivatives: the reference
/// the vectorised paths are tested against, and the epilogue of the GEMM edge cases.</summary>
public static class CpuActivations
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(ActivationKind kind, float x, float alpha) => kind switch
    {
        ActivationKind.None => x,
        ActivationKind.ReLU => x > 0f ? x : 0f,
        ActivationKind.LeakyReLU => x > 0f ? x : alpha * x,
        ActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.GELU => Gelu(x),
        _ => throw new InvalidConfigurationException($"Activation {kind} is not element-wise."),
    };

    /// <summary>dy/dx given the input x and the output y (whichever is cheaper is used).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(ActivationKind kind, float x, float y, float alpha) => kind switch
    {
        ActivationKind.None => 1f,
        ActivationKind.ReLU => x > 0f ? 1f : 0f,
        ActivationKind.LeakyReLU => x > 0f ? 1f : alpha,
        ActivationKind.Sigmoid => y * (1f - y),
        ActivationKind.Tanh => 1f - y * y,
        ActivationKind.GELU => GeluDerivative(x),
        _ => throw new InvalidConfigurationException($"Activation {kind} is not element-wise."),
    };

    // GELU with the tanh approximation (as PyTorch's approximate='tanh' and Keras' default).
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float GeluC = 0.044715f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x)
    {
        float u = Sqrt2OverPi * (x + GeluC * x * x * x);
        return 0.5f * x * (1f + MathF.Tanh(u));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluDerivative(float x)
    {
        float u = Sqrt2OverPi * (x + GeluC * x * x * x);
        float t = MathF.Tanh(u);
        float du = Sqrt2OverPi * (1f + 3f * GeluC * x * x);
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * du;
    }
}
