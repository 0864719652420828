using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NeuralPS.Bench.Common;

/// <summary>One JSON object per line on stdout: the only output format of the bench commands, read by
/// bench/compare.sh. Keys keep the order given; numbers are written invariantly; NaN/infinity become null.
/// <code>BenchJson.Write(("workload", "fashion-mlp"), ("batch", 64), ("seconds_per_epoch", 1.234));</code></summary>
public static class BenchJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(params (string Key, object? Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                w.WritePropertyName(key);
                WriteValue(w, value);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <see cref="Line"/> to stdout and flushes (compare.sh reads it as it comes).</summary>
    public static void Write(params (string Key, object? Value)[] fields)
    {
        Console.Out.WriteLine(Line(fields));
        Console.Out.Flush();
    }

    /// <summary>Rounds to a number of significant digits, so lines stay readable (1.2345, 183456.7).</summary>
    public static double Round(double value, int significant = 5)
    {
        if (value == 0 || double.IsNaN(value) || double.IsInfinity(value)) return value;
        int digits = significant - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return digits >= 0 ? Math.Round(value, Math.Min(digits, 15)) : value;
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case float f: WriteDouble(w, f); break;
            case double d: WriteDouble(w, d); break;
            case IEnumerable<double> ds:
                w.WriteStartArray();
                foreach (double d in ds) WriteDouble(w, d);
                w.WriteEndArray();
                break;
            case IEnumerable<int> ints:
                w.WriteStartArray();
                foreach (int i in ints) w.WriteNumberValue(i);
                w.WriteEndArray();
                break;
            case IEnumerable<(string Key, object? Value)> obj:
                w.WriteStartObject();
                foreach (var (k, v) in obj)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v);
                }
                w.WriteEndObject();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d)) w.WriteNumberValue(d);
        else w.WriteNullValue();
    }
}
