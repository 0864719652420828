using System.Globalization;

namespace NeuralPS.Core.Schedules;

/// <summary>Cosine decay with linear warm-up, per update (as in the GPT/ViT training recipes and
/// transformers' get_cosine_schedule_with_warmup, with a floor): over the first W = WarmupEpochs ·
/// StepsPerEpoch updates the rate rises linearly, base · (s+1)/W; then, with p = (s − W)/(T − W) over the
/// T updates of the run, rate = min + (base − min) · ½(1 + cos πp). p stays below 1, so the rate never
/// reaches zero even with a zero floor.</summary>
public sealed class CosineDecay : LearningRateSchedule
{
    public CosineDecay(int warmupEpochs = 0, double minRate = 0)
    {
        if (warmupEpochs < 0) throw new InvalidConfigurationException($"Cosine schedule: the warm-up must be 0 or more epochs but is {warmupEpochs}.");
        if (!(minRate >= 0) || double.IsInfinity(minRate)) throw new InvalidConfigurationException($"Cosine schedule: the minimum rate must be 0 or positive but is {minRate}.");
        WarmupEpochs = warmupEpochs;
        MinRate = minRate;
    }

    public override string Name => "Cosine";
    public int WarmupEpochs { get; }
    public double MinRate { get; }

    public override double Rate(double baseRate, ScheduleTime time)
    {
        long total = time.TotalSteps;
        long warm = Math.Min((long)WarmupEpochs * time.StepsPerEpoch, Math.Max(0, total - 1));
        if (time.Step < warm) return baseRate * (time.Step + 1) / warm;
        double p = total > warm ? (double)(time.Step - warm) / (total - warm) : 0;
        p = Math.Clamp(p, 0, 1);
        double floor = Math.Min(MinRate, baseRate);
        return floor + (baseRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * p));
    }

    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Cosine(WarmupEpochs={WarmupEpochs}, MinRate={MinRate:R})");
}
