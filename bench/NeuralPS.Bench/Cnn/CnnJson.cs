using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NeuralPS.Bench.Cnn;

/// <summary>One JSON object per line on stdout (what bench/compare.sh reads), and the process's peak
/// resident set size (VmHWM, the same quantity as Python's ru_maxrss).</summary>
internal static class CnnJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(params (string Key, object? Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                w.WritePropertyName(key);
                switch (value)
                {
                    case null: w.WriteNullValue(); break;
                    case string s: w.WriteStringValue(s); break;
                    case bool b: w.WriteBooleanValue(b); break;
                    case int i: w.WriteNumberValue(i); break;
                    case long l: w.WriteNumberValue(l); break;
                    case double d when double.IsFinite(d): w.WriteNumberValue(Round(d)); break;
                    case double: w.WriteNullValue(); break;
                    default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
                }
            }
            w.WriteEndObject();
        }
        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        Console.Out.Flush();
    }

    /// <summary>Five significant digits keep the lines readable.</summary>
    public static double Round(double value, int significant = 5)
    {
        if (value == 0 || !double.IsFinite(value)) return value;
        int digits = significant - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return digits >= 0 ? Math.Round(value, Math.Min(digits, 15)) : value;
    }

    public static double PeakRssMegabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                string kb = line["VmHWM:".Length..].Trim();
                if (kb.EndsWith("kB", StringComparison.Ordinal)) kb = kb[..^2].Trim();
                return Math.Round(long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0, 1);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return Math.Round(self.PeakWorkingSet64 / (1024.0 * 1024.0), 1);
    }

    public static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); }
        catch (IOException) { return "unknown"; }
    }
}
