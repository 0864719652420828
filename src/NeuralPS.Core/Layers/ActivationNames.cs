using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>Parses activation names as users type them (case-insensitive; "Linear"/"Identity" = None,
/// "Swish" = SiLU), with an error that lists what is accepted. Shared by the layer specs and Add-Layer.
/// "GELU" is the exact (erf) form, as PyTorch's and Keras' default; "GELUTanh" the tanh approximation.
/// (Model files of format 1 wrote "GELU" for the tanh form; the reader renames those, see NetworkSections.)</summary>
public static class ActivationNames
{
    public static IReadOnlyList<string> Valid { get; } = new[]
    {
        "None", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "GELUTanh",
        "ELU", "SELU", "SiLU", "Swish", "Softplus", "HardSigmoid", "HardSwish",
    };

    public static ActivationKind Parse(string? text, string? layer = null)
    {
        string s = (text ?? string.Empty).Trim();
        if (s.Length == 0 || s.Equals("Linear", StringComparison.OrdinalIgnoreCase) || s.Equals("Identity", StringComparison.OrdinalIgnoreCase))
            return ActivationKind.None;
        if (s.Equals("Swish", StringComparison.OrdinalIgnoreCase)) return ActivationKind.SiLU;
        if (!s.All(char.IsLetter) || !Enum.TryParse<ActivationKind>(s, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            throw new InvalidConfigurationException(
                $"{(layer is null ? "" : $"Layer '{layer}': ")}unknown activation '{text}'. Valid activations: {string.Join(", ", Valid)}.");
        return kind;
    }

    /// <summary>The α a layer gets when none is given: 1 for ELU (torch.nn.ELU), 0.01 otherwise (LeakyReLU's slope).</summary>
    public static float DefaultAlpha(ActivationKind kind) => kind == ActivationKind.ELU ? 1f : 0.01f;

    /// <summary>True for the kinds whose α is a setting of the layer (LeakyReLU, ELU).</summary>
    public static bool UsesAlpha(ActivationKind kind) => kind is ActivationKind.LeakyReLU or ActivationKind.ELU;

    /// <summary>"ReLU", "LeakyReLU (alpha 0.2)", "ELU (alpha 1)": the activation part of a layer's summary.</summary>
    public static string Describe(ActivationKind kind, float alpha) =>
        UsesAlpha(kind) ? $"{kind} (alpha {alpha:G})" : kind.ToString();

    /// <summary>Weights for a layer followed by <paramref name="kind"/>: He normal (std √(2/((1 + slope²)·fanIn)))
    /// for the rectifier-like kinds, LeCun normal (std √(1/fanIn)) for SELU, which its self-normalisation
    /// assumes, and Glorot uniform (limit √(6/(fanIn + fanOut))) for the rest.</summary>
    public static void InitializeWeights(Span<float> w, ActivationKind kind, float alpha, int fanIn, int fanOut, NeuralRandom random)
    {
        switch (kind)
        {
            case ActivationKind.ReLU:
            case ActivationKind.LeakyReLU:
            case ActivationKind.GELU:
            case ActivationKind.GELUTanh:
            case ActivationKind.ELU:
            case ActivationKind.SiLU:
            case ActivationKind.HardSwish:
            case ActivationKind.SELU:
            {
                double slope = kind == ActivationKind.LeakyReLU ? alpha : 0;
                double std = kind == ActivationKind.SELU ? Math.Sqrt(1.0 / fanIn) : Math.Sqrt(2.0 / ((1 + slope * slope) * fanIn));
                for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextGaussian() * std);
                break;
            }
            default:
            {
                double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * limit);
                break;
            }
        }
    }
}
