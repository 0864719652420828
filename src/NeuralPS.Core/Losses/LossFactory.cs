namespace NeuralPS.Core.Losses;

/// <summary>Losses by name, as -Loss and the training options spell them (case-insensitive; the short
/// forms CE, BCE and MSE are accepted too).</summary>
public static class LossFactory
{
    public static IReadOnlyList<string> Names { get; } = new[] { "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError" };

    public static Loss Create(string name)
    {
        switch ((name ?? string.Empty).Trim().ToLowerInvariant())
        {
            case "crossentropy":
            case "categoricalcrossentropy":
            case "sparsecategoricalcrossentropy":
            case "ce":
                return new CrossEntropy();
            case "binarycrossentropy":
            case "bce":
                return new BinaryCrossEntropy();
            case "meansquarederror":
            case "mse":
                return new MeanSquaredError();
            default:
                throw new InvalidConfigurationException($"Unknown loss '{name}'. Valid losses: {string.Join(", ", Names)} (or CE, BCE, MSE).");
        }
    }
}
