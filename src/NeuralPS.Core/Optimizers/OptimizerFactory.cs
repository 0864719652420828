using NeuralPS.Core.Training;

namespace NeuralPS.Core.Optimizers;

/// <summary>Optimizers by name from the training options (case-insensitive).</summary>
public static class OptimizerFactory
{
    public static IReadOnlyList<string> Names { get; } = new[] { "SGD", "Adam", "AdamW", "RMSprop" };

    public static Optimizer Create(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (options.Optimizer ?? string.Empty).Trim().ToLowerInvariant() switch
        {
            "sgd" => new Sgd(options.LearningRate, options.Momentum, options.Nesterov, options.WeightDecay),
            "adam" => new Adam(options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
            "adamw" => new Adam(options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, decoupledWeightDecay: true),
            "rmsprop" => new RmsProp(options.LearningRate, options.Rho, options.Epsilon, options.Momentum, options.WeightDecay),
            _ => throw new InvalidConfigurationException($"Unknown optimizer '{options.Optimizer}'. Valid optimizers: {string.Join(", ", Names)}."),
        };
    }
}
