using System.Globalization;

namespace NeuralPS.Core.Data;

/// <summary>How a single cell (a CSV string, a PSObject property value) is read: numbers in the
/// invariant culture ("3.5", not "3,5"), booleans as 1/0, everything else by its string form.</summary>
public static class RecordValue
{
    /// <summary>True for null, empty and whitespace-only strings.</summary>
    public static bool IsMissing(object? value) => value is null || value is DBNull || (value is string s && string.IsNullOrWhiteSpace(s));

    /// <summary>Reads a finite number: numeric CLR types, bool (1/0), or a string in the invariant culture.</summary>
    public static bool TryGetNumber(object? value, out double number)
    {
        switch (value)
        {
            case double d: number = d; break;
            case float f: number = f; break;
            case int i: number = i; break;
            case long l: number = l; break;
            case short sh: number = sh; break;
            case byte b: number = b; break;
            case sbyte sb: number = sb; break;
            case uint ui: number = ui; break;
            case ulong ul: number = ul; break;
            case ushort us: number = us; break;
            case decimal m: number = (double)m; break;
            case bool bo: number = bo ? 1 : 0; break;
            case string s:
                if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out number)) return false;
                break;
            default: number = 0; return false;
        }
        return double.IsFinite(number);
    }

    /// <summary>Whether a finite double survives the conversion to float32 the network works in (1e39 becomes
    /// +Inf). Values that underflow to 0 are fine.</summary>
    public static bool FitsFloat32(double number) => Math.Abs(number) <= float.MaxValue;

    /// <summary>The message tail for a number outside float32's range.</summary>
    internal static string OutOfFloat32Range(double number) =>
        $"is {number.ToString("R", CultureInfo.InvariantCulture)}, outside the range of float32 numbers (±{float.MaxValue.ToString("R", CultureInfo.InvariantCulture)}) the network computes in";

    /// <summary>The text used for categories and class names: numbers in their shortest invariant form
    /// (1.0 → "1"), strings trimmed, anything else by its invariant ToString.</summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        string s => s.Trim(),
        double or float or decimal => FormatNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture).Trim(),
        _ => (value.ToString() ?? string.Empty).Trim(),
    };

    /// <summary>Shortest round-trip invariant form of a number ("1", "0.5", "1E-07").</summary>
    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Short quoted form of a value for error messages.</summary>
    public static string Describe(object? value)
    {
        if (value is null) return "null";
        string text = value as string ?? ToText(value);
        if (text.Length > 40) text = text[..37] + "...";
        return $"'{text}'";
    }
}
