using System.Globalization;
using System.Management.Automation;

namespace NeuralPS.Cmdlets;

/// <summary>Refuses a number that is NaN, infinite or outside [Minimum, Maximum] (either end exclusive on
/// request) before the cmdlet runs, with a message that says what the parameter accepts. PowerShell's
/// ValidateRange lets NaN through (every comparison with NaN is false) and, in Windows PowerShell's
/// reference assemblies, cannot say "greater than 0"; this can.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateNumberAttribute : ValidateArgumentsAttribute
{
    public ValidateNumberAttribute(double minimum, double maximum)
    {
        Minimum = minimum;
        Maximum = maximum;
    }

    public double Minimum { get; }
    public double Maximum { get; }
    public bool MinimumExclusive { get; set; }
    public bool MaximumExclusive { get; set; }

    /// <summary>Also refuse 0 (a scale factor).</summary>
    public bool NonZero { get; set; }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        string? problem = Check(arguments);
        if (problem is not null) throw new ValidationMetadataException(problem);
    }

    /// <summary>Null when <paramref name="value"/> is acceptable, else the message (PowerShell-free, for tests).</summary>
    internal string? Check(object? value)
    {
        if (value is PSObject ps) value = ps.BaseObject;
        double x;
        try
        {
            x = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return $"The value '{value}' is not a number; {Accepts}.";
        }
        bool ok = double.IsFinite(x)
            && (MinimumExclusive ? x > Minimum : x >= Minimum)
            && (MaximumExclusive ? x < Maximum : x <= Maximum)
            && !(NonZero && x == 0);
        return ok ? null : $"The value {x.ToString("R", CultureInfo.InvariantCulture)} is not allowed; {Accepts}.";
    }

    /// <summary>"the value must be a finite number greater than 0", "... in [0, 1)", ...</summary>
    public string Accepts
    {
        get
        {
            string range;
            bool noMin = double.IsNegativeInfinity(Minimum) || Minimum == double.MinValue;
            bool noMax = double.IsPositiveInfinity(Maximum) || Maximum == double.MaxValue;
            string min = Minimum.ToString("R", CultureInfo.InvariantCulture), max = Maximum.ToString("R", CultureInfo.InvariantCulture);
            if (noMin && noMax) range = "a finite number";
            else if (noMax) range = $"a finite number {(MinimumExclusive ? "greater than" : "at least")} {min}";
            else if (noMin) range = $"a finite number {(MaximumExclusive ? "less than" : "at most")} {max}";
            else range = $"a number in {(MinimumExclusive ? "(" : "[")}{min}, {max}{(MaximumExclusive ? ")" : "]")}";
            return "it must be " + range + (NonZero ? " other than 0" : "");
        }
    }
}
