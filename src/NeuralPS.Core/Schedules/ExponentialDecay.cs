using System.Globalization;

namespace NeuralPS.Core.Schedules;

/// <summary>torch.optim.lr_scheduler.ExponentialLR: rate = base · γ^epoch (constant within an epoch).</summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    public ExponentialDecay(double gamma) => Gamma = Positive(gamma, "gamma", "Exponential");

    public override string Name => "Exponential";
    public double Gamma { get; }

    public override double Rate(double baseRate, ScheduleTime time) => baseRate * Math.Pow(Gamma, time.Epoch);

    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Exponential(Gamma={Gamma:R})");
}
