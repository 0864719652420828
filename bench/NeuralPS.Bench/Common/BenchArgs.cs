using System.Globalization;

namespace NeuralPS.Bench.Common;

/// <summary>A small "--name value" / "--flag" parser for the bench subcommands. Every option a command
/// reads must be declared through the getters; <see cref="ThrowOnUnused"/> then rejects typos.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public BenchArgs(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length < 3)
                throw new ArgumentException($"Unexpected argument '{a}' (options look like --name value).");
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            _values[name] = value;
        }
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out string? v)) return false;
        return v is null || bool.Parse(v);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out string? v) ? v ?? throw Missing(name) : null;
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback) => IntOrNull(name) ?? fallback;

    public int? IntOrNull(string name)
    {
        string? v = String(name);
        if (v is null) return null;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
            ? i : throw new ArgumentException($"--{name} expects an integer but got '{v}'.");
    }

    public double Double(string name, double fallback)
    {
        string? v = String(name);
        if (v is null) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
            ? d : throw new ArgumentException($"--{name} expects a number but got '{v}'.");
    }

    /// <summary>Comma-separated integers ("1,1024").</summary>
    public int[] Ints(string name, int[] fallback)
    {
        string? v = String(name);
        if (v is null) return fallback;
        return v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)
                ? i : throw new ArgumentException($"--{name} expects integers but got '{v}'."))
            .ToArray();
    }

    public void ThrowOnUnused()
    {
        foreach (string k in _values.Keys)
        {
            if (!_used.Contains(k)) throw new ArgumentException($"Unknown option --{k}. Known: {string.Join(", ", _used.Order().Select(u => "--" + u))}.");
        }
    }

    private static ArgumentException Missing(string name) => new($"--{name} needs a value.");
}
