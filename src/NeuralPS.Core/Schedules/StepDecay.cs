using System.Globalization;

namespace NeuralPS.Core.Schedules;

/// <summary>torch.optim.lr_scheduler.StepLR: rate = base · γ^⌊epoch / stepSize⌋ (constant within an epoch).</summary>
public sealed class StepDecay : LearningRateSchedule
{
    public StepDecay(int stepSize, double gamma = 0.1)
    {
        if (stepSize < 1) throw new InvalidConfigurationException($"Step schedule: the step size must be at least 1 epoch but is {stepSize}.");
        StepSize = stepSize;
        Gamma = Positive(gamma, "gamma", "Step");
    }

    public override string Name => "Step";
    public int StepSize { get; }
    public double Gamma { get; }

    public override double Rate(double baseRate, ScheduleTime time) => baseRate * Math.Pow(Gamma, time.Epoch / StepSize);

    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Step(StepSize={StepSize}, Gamma={Gamma:R})");
}
