using System.Globalization;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Schedules;

/// <summary>torch.optim.lr_scheduler.ReduceLROnPlateau (no cooldown, absolute threshold): after each
/// epoch, when the monitored metric has not improved on its best by more than MinDelta for more than
/// Patience epochs, the rate is multiplied by Factor (not below MinRate) and the count restarts.
/// The direction (lower or higher is better) follows the metric's name, as for early stopping.
/// State: the current factor, the best value and the epochs without improvement.</summary>
public sealed class ReduceOnPlateau : LearningRateSchedule
{
    private double _scale = 1, _best = double.NaN;
    private int _wait;

    public ReduceOnPlateau(double factor = 0.1, int patience = 10, double minDelta = 1e-4, double minRate = 0, string monitor = MonitoredMetric.Auto)
    {
        Factor = Fraction(factor, "the factor", "ReduceOnPlateau");
        if (patience < 0) throw new InvalidConfigurationException($"ReduceOnPlateau schedule: the patience must be 0 or more epochs but is {patience}.");
        if (!(minDelta >= 0)) throw new InvalidConfigurationException($"ReduceOnPlateau schedule: MinDelta must be 0 or positive but is {minDelta}.");
        if (!(minRate >= 0) || double.IsInfinity(minRate)) throw new InvalidConfigurationException($"ReduceOnPlateau schedule: the minimum rate must be 0 or positive but is {minRate}.");
        Patience = patience;
        MinDelta = minDelta;
        MinRate = minRate;
        Metric = new MonitoredMetric(monitor);
    }

    public override string Name => "ReduceOnPlateau";
    public double Factor { get; }
    public int Patience { get; }
    public double MinDelta { get; }
    public double MinRate { get; }
    public MonitoredMetric Metric { get; }
    public override string? Monitor => Metric.Name;

    /// <summary>The factor applied to the base rate now (1, then Factor, Factor², ...).</summary>
    public double Scale => _scale;

    public override double Rate(double baseRate, ScheduleTime time) => Math.Max(baseRate * _scale, Math.Min(MinRate, baseRate));

    public override void EpochEnded(int epoch, double? monitored)
    {
        if (monitored is not double v || double.IsNaN(v)) return;
        if (double.IsNaN(_best) || Metric.Improves(v, _best, MinDelta))
        {
            _best = v;
            _wait = 0;
            return;
        }
        if (++_wait > Patience)
        {
            _scale *= Factor;
            _wait = 0;
        }
    }

    public override double[] GetState() => new[] { _scale, _best, _wait };

    public override void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 3 || !(state[0] > 0) || !(state[2] >= 0))
            throw new ModelFileException($"The ReduceOnPlateau schedule's saved state is invalid ({state.Length} values).");
        _scale = state[0];
        _best = state[1];
        _wait = (int)state[2];
    }

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"ReduceOnPlateau(Factor={Factor:R}, Patience={Patience}, MinDelta={MinDelta:R}, MinRate={MinRate:R}, Monitor={Metric.Name})");
}
