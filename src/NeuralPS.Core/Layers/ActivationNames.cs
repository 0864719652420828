using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>Parses activation names as users type them (case-insensitive; "Linear" = None), with an
/// error that lists what is accepted. Shared by the layer specs and Add-Layer.</summary>
public static class ActivationNames
{
    public static IReadOnlyList<string> Valid { get; } = new[] { "None", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU" };

    public static ActivationKind Parse(string? text, string? layer = null)
    {
        string s = (text ?? string.Empty).Trim();
        if (s.Length == 0 || s.Equals("Linear", StringComparison.OrdinalIgnoreCase) || s.Equals("Identity", StringComparison.OrdinalIgnoreCase))
            return ActivationKind.None;
        if (!s.All(char.IsLetter) || !Enum.TryParse<ActivationKind>(s, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            throw new InvalidConfigurationException(
                $"{(layer is null ? "" : $"Layer '{layer}': ")}unknown activation '{text}'. Valid activations: {string.Join(", ", Valid)}.");
        return kind;
    }
}
