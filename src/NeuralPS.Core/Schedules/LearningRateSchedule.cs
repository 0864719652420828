namespace NeuralPS.Core.Schedules;

/// <summary>Where one optimizer update falls in a run: the 0-based epoch, the 0-based update index over
/// the whole run (<see cref="Step"/>), the updates per epoch and the epochs planned. With gradient
/// accumulation an update covers several batches, so the counts are of updates, not batches.</summary>
public readonly record struct ScheduleTime(int Epoch, long Step, int StepsPerEpoch, int Epochs)
{
    public long TotalSteps => (long)StepsPerEpoch * Epochs;
}

/// <summary>A learning-rate schedule: the rate of each optimizer update as a function of the base rate
/// (-LearningRate) and the update's place in the run. The trainer asks before every update, so a
/// schedule is a pure function of its inputs and its <see cref="GetState"/> (only reduce-on-plateau has
/// state), which is what makes a resumed run use the same rates as an uninterrupted one.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>"Step", "Exponential", "Cosine", "OneCycle", "ReduceOnPlateau".</summary>
    public abstract string Name { get; }

    /// <summary>The rate of the update at <paramref name="time"/>.</summary>
    public abstract double Rate(double baseRate, ScheduleTime time);

    /// <summary>Called once per finished epoch with the value of the epoch's monitored metric (null when
    /// the metric is missing). Only reduce-on-plateau reacts.</summary>
    public virtual void EpochEnded(int epoch, double? monitored) { }

    /// <summary>The history metric a stateful schedule watches (null for the stateless ones).</summary>
    public virtual string? Monitor => null;

    /// <summary>State for a checkpoint (empty for stateless schedules).</summary>
    public virtual double[] GetState() => Array.Empty<double>();

    public virtual void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 0) throw new ModelFileException($"The {Name} schedule has no state but the checkpoint gives {state.Length} values.");
    }

    /// <summary>The settings in one line, e.g. "Step(StepSize=10, Gamma=0.5)": shown in -Verbose and the
    /// report, and compared when a checkpoint is resumed.</summary>
    public abstract string Describe();

    public override string ToString() => Describe();

    protected static double Positive(double value, string what, string schedule)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new InvalidConfigurationException($"{schedule} schedule: {what} must be a positive number but is {value}.");
        return value;
    }

    protected static double Fraction(double value, string what, string schedule)
    {
        if (!(value > 0 && value < 1))
            throw new InvalidConfigurationException($"{schedule} schedule: {what} must be between 0 and 1 (exclusive) but is {value}.");
        return value;
    }
}
