using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>Everything one call of Invoke-Training decides. Names follow Keras/PyTorch.</summary>
public sealed class TrainingOptions
{
    public int Epochs { get; set; } = 10;
    public int BatchSize { get; set; } = 32;

    /// <summary>"SGD", "Adam", "AdamW", "RMSprop" (case-insensitive).</summary>
    public string Optimizer { get; set; } = "Adam";
    public double LearningRate { get; set; } = 1e-3;
    public double Momentum { get; set; }
    public bool Nesterov { get; set; }
    public double WeightDecay { get; set; }
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.999;
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>RMSprop's smoothing constant for the squared-gradient average (PyTorch's alpha).</summary>
    public double Rho { get; set; } = 0.99;

    /// <summary>"CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError", or null/"Auto" = CrossEntropy for
    /// class labels, MeanSquaredError for targets.</summary>
    public string? Loss { get; set; }

    /// <summary>Fraction of the training data held out for validation (0 = none). Ignored when
    /// <see cref="ValidationData"/> is given.</summary>
    public double ValidationSplit { get; set; }
    public Dataset? ValidationData { get; set; }

    /// <summary>Seed for shuffling and dropout; null = the network's seed.</summary>
    public ulong? Seed { get; set; }
    public bool Shuffle { get; set; } = true;
}
