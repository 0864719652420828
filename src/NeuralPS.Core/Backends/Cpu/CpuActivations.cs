using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Scalar definitions of the element-wise activations and their derivatives: the reference
/// the vectorised paths are tested against, and the epilogue of the GEMM edge cases. The float64
/// <see cref="Reference"/> / <see cref="ReferenceDerivative"/> are the definitions in
/// <see cref="ActivationKind"/>'s documentation, evaluated with accurate expm1/log1p/erf; the float32
/// scalar forms of the activations added with GELU's exact form round those.</summary>
public static class CpuActivations
{
    /// <summary>SELU's constants (Klambauer et al. 2017, as torch.nn.SELU).</summary>
    public const double SeluAlpha = 1.6732632423543772848170429916717;
    public const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>Softplus' defaults (torch.nn.Softplus).</summary>
    public const float DefaultBeta = 1f, DefaultThreshold = 20f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(ActivationKind kind, float x, float alpha) => Apply(kind, x, alpha, DefaultBeta, DefaultThreshold);

    public static float Apply(ActivationKind kind, float x, float alpha, float beta, float threshold) => kind switch
    {
        ActivationKind.None => x,
        ActivationKind.ReLU => x > 0f ? x : 0f,
        ActivationKind.LeakyReLU => x > 0f ? x : alpha * x,
        ActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.GELUTanh => GeluTanh(x),
        ActivationKind.GELU or ActivationKind.ELU or ActivationKind.SELU or ActivationKind.SiLU or ActivationKind.Softplus
            or ActivationKind.HardSigmoid or ActivationKind.HardSwish => (float)Reference(kind, x, alpha, beta, threshold),
        _ => throw new InvalidConfigurationException($"Activation {kind} is not element-wise."),
    };

    /// <summary>dy/dx given the input x and the output y (whichever is cheaper is used).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(ActivationKind kind, float x, float y, float alpha) => Derivative(kind, x, y, alpha, DefaultBeta, DefaultThreshold);

    public static float Derivative(ActivationKind kind, float x, float y, float alpha, float beta, float threshold) => kind switch
    {
        ActivationKind.None => 1f,
        ActivationKind.ReLU => x > 0f ? 1f : 0f,
        ActivationKind.LeakyReLU => x > 0f ? 1f : alpha,
        ActivationKind.Sigmoid => y * (1f - y),
        ActivationKind.Tanh => 1f - y * y,
        ActivationKind.GELUTanh => GeluTanhDerivative(x),
        ActivationKind.GELU or ActivationKind.ELU or ActivationKind.SELU or ActivationKind.SiLU or ActivationKind.Softplus
            or ActivationKind.HardSigmoid or ActivationKind.HardSwish => (float)ReferenceDerivative(kind, x, alpha, beta, threshold),
        _ => throw new InvalidConfigurationException($"Activation {kind} is not element-wise."),
    };

    // GELU with the tanh approximation (PyTorch's approximate='tanh').
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float GeluC = 0.044715f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanh(float x)
    {
        float u = Sqrt2OverPi * (x + GeluC * x * x * x);
        return 0.5f * x * (1f + MathF.Tanh(u));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanhDerivative(float x)
    {
        float u = Sqrt2OverPi * (x + GeluC * x * x * x);
        float t = MathF.Tanh(u);
        float du = Sqrt2OverPi * (1f + 3f * GeluC * x * x);
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * du;
    }

    private const double Sqrt1Over2 = 0.70710678118654752440;
    private const double OneOverSqrt2Pi = 0.39894228040143267794;

    /// <summary>The activation in float64 (element-wise kinds).</summary>
    public static double Reference(ActivationKind kind, double x, double alpha, double beta = DefaultBeta, double threshold = DefaultThreshold) => kind switch
    {
        ActivationKind.None => x,
        ActivationKind.ReLU => x > 0 ? x : 0,
        ActivationKind.LeakyReLU => x > 0 ? x : alpha * x,
        ActivationKind.Sigmoid => Sigmoid(x),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.GELU => 0.5 * x * ErrorFunction.Erfc(-x * Sqrt1Over2),
        ActivationKind.GELUTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        ActivationKind.ELU => x > 0 ? x : alpha * ExpM1(x),
        ActivationKind.SELU => SeluScale * (x > 0 ? x : SeluAlpha * ExpM1(x)),
        ActivationKind.SiLU => x * Sigmoid(x),
        ActivationKind.Softplus => beta * x > threshold ? x : SoftplusOf(beta * x) / beta,
        ActivationKind.HardSigmoid => Math.Clamp(x + 3, 0, 6) / 6,
        ActivationKind.HardSwish => x * Math.Clamp(x + 3, 0, 6) / 6,
        _ => throw new InvalidConfigurationException($"Activation {kind} is not element-wise."),
    };

    /// <summary>dy/dx in float64, with PyTorch's choices at the kinks (ReLU, LeakyReLU, ELU: x ≤ 0 takes
    /// the left branch; HardSigmoid: 1/6 only strictly inside (−3, 3); HardSwish: 0 below −3, (2x + 3)/6 on
    /// [−3, 3], 1 above).</summary>
    public static double ReferenceDerivative(ActivationKind kind, double x, double alpha, double beta = DefaultBeta, double threshold = DefaultThreshold)
    {
        switch (kind)
        {
            case ActivationKind.None: return 1;
            case ActivationKind.ReLU: return x > 0 ? 1 : 0;
            case ActivationKind.LeakyReLU: return x > 0 ? 1 : alpha;
            case ActivationKind.Sigmoid: { double s = Sigmoid(x); return s * (1 - s); }
            case ActivationKind.Tanh: { double t = Math.Tanh(x); return 1 - t * t; }
            case ActivationKind.GELU: return 0.5 * ErrorFunction.Erfc(-x * Sqrt1Over2) + x * OneOverSqrt2Pi * Math.Exp(-0.5 * x * x);
            case ActivationKind.GELUTanh:
            {
                double c = Math.Sqrt(2 / Math.PI), t = Math.Tanh(c * (x + 0.044715 * x * x * x));
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
            }
            case ActivationKind.ELU: return x > 0 ? 1 : alpha * Math.Exp(x);
            case ActivationKind.SELU: return SeluScale * (x > 0 ? 1 : SeluAlpha * Math.Exp(x));
            case ActivationKind.SiLU: { double s = Sigmoid(x); return s * (1 + x * (1 - s)); }
            case ActivationKind.Softplus: return beta * x > threshold ? 1 : Sigmoid(beta * x);
            case ActivationKind.HardSigmoid: return x > -3 && x < 3 ? 1.0 / 6 : 0;
            case ActivationKind.HardSwish: return x < -3 ? 0 : x <= 3 ? (2 * x + 3) / 6 : 1;
            default: throw new InvalidConfigurationException($"Activation {kind} is not element-wise.");
        }
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>e^x − 1 without cancellation near 0 (Taylor series below |x| = 0.5).</summary>
    public static double ExpM1(double x)
    {
        if (!(Math.Abs(x) < 0.5)) return Math.Exp(x) - 1;
        double term = x, sum = x;
        for (int n = 2; n < 30 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
        {
            term *= x / n;
            sum += term;
        }
        return sum;
    }

    /// <summary>log(1 + x) without cancellation near 0 (Kahan: log(u)·x/(u − 1), u = 1 + x rounded).</summary>
    public static double LogP1(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    // log(1 + e^z) = max(z, 0) + log1p(e^−|z|): no overflow, no cancellation.
    private static double SoftplusOf(double z) => Math.Max(z, 0) + LogP1(Math.Exp(-Math.Abs(z)));
}
