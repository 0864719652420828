using NeuralPS.Core.Data;
using NeuralPS.Core.Schedules;

namespace NeuralPS.Core.Training;

/// <summary>Everything one call of Invoke-Training decides. Names follow Keras/PyTorch.</summary>
public sealed class TrainingOptions
{
    public int Epochs { get; set; } = 10;

    /// <summary>Per-step regression with padding: a NaN target marks a step (value) that does not count in the
    /// MeanSquaredError loss, its gradient or the MAE — the explicit mask of a (batch, time, k) target. Off by
    /// default, so a NaN in the data stops training and names the record.</summary>
    public bool IgnoreNaNTargets { get; set; }
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

    /// <summary>How the learning rate changes over the run (null = constant <see cref="LearningRate"/>).
    /// Reduce-on-plateau keeps state in the schedule object, so give each run its own.</summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>Clip the gradients' global L2 norm to this (null = no clipping).</summary>
    public double? ClipNorm { get; set; }

    /// <summary>Clamp each gradient element to ±this (null = no clipping).</summary>
    public double? ClipValue { get; set; }

    /// <summary>Batches whose gradients are averaged (weighted by size) into one optimizer update (1 = none).</summary>
    public int AccumulationSteps { get; set; } = 1;

    /// <summary>Per-class loss weights, index = class id (null = equal weights).</summary>
    public IReadOnlyList<double>? ClassWeights { get; set; }

    /// <summary>Weights classes by n / (classes · count of the class) in the training data (scikit-learn's
    /// 'balanced'); ignored when <see cref="ClassWeights"/> is given.</summary>
    public bool BalanceClasses { get; set; }

    /// <summary>Stop when the monitored metric stops improving (null = train all epochs).</summary>
    public EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>Folder for last.npsc/best.npsc checkpoints (null = no checkpoints).</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Also write a checkpoint every this many batches (0 = at the end of each epoch only).</summary>
    public int CheckpointEvery { get; set; }

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume { get; set; }

    /// <summary>Data-parallel training as one rank of several (null = this process trains alone).</summary>
    public Distributed.DistributedOptions? Distributed { get; set; }
}
