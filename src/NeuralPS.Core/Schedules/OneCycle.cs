using System.Globalization;

namespace NeuralPS.Core.Schedules;

/// <summary>Smith's one-cycle policy as torch.optim.lr_scheduler.OneCycleLR (two phases, cosine
/// annealing), per update, with the base rate as the peak: the rate starts at base/DivFactor, rises to
/// base at update PctStart·T − 1, then falls to base/(DivFactor·FinalDivFactor) at update T − 1.
/// cos_anneal(a, b, q) = b + (a − b)/2 · (1 + cos πq).</summary>
public sealed class OneCycle : LearningRateSchedule
{
    public OneCycle(double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        PctStart = Fraction(pctStart, "the warm-up fraction (PctStart)", "OneCycle");
        DivFactor = Positive(divFactor, "DivFactor", "OneCycle");
        FinalDivFactor = Positive(finalDivFactor, "FinalDivFactor", "OneCycle");
    }

    public override string Name => "OneCycle";
    public double PctStart { get; }
    public double DivFactor { get; }
    public double FinalDivFactor { get; }

    public override double Rate(double baseRate, ScheduleTime time)
    {
        double initial = baseRate / DivFactor, min = initial / FinalDivFactor;
        double total = time.TotalSteps;
        double peakAt = PctStart * total - 1;
        double s = time.Step;
        if (s <= peakAt) return Anneal(initial, baseRate, peakAt > 0 ? s / peakAt : 1);
        double span = total - 1 - peakAt;
        return Anneal(baseRate, min, span > 0 ? Math.Min(1, (s - peakAt) / span) : 1);
    }

    private static double Anneal(double start, double end, double q) => end + (start - end) / 2 * (1 + Math.Cos(Math.PI * q));

    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"OneCycle(PctStart={PctStart:R}, DivFactor={DivFactor:R}, FinalDivFactor={FinalDivFactor:R})");
}
