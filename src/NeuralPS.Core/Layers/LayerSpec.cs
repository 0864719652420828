using System.Globalization;

namespace NeuralPS.Core.Layers;

/// <summary>A layer's architecture without its weights: a type word from a fixed vocabulary
/// ("Dense", "Conv2d", ...), its name, and settings whose values are only long, double, bool,
/// string or int[]. This is what the model file stores: no .NET type names, so nothing in a file can
/// choose code to run. Container layers (Residual) keep their inner layers in <see cref="Children"/>.</summary>
public sealed class LayerSpec
{
    public LayerSpec(string type, string name)
    {
        Type = type;
        Name = name;
    }

    public string Type { get; }
    public string Name { get; }
    public SortedDictionary<string, object> Settings { get; } = new(StringComparer.Ordinal);
    public List<LayerSpec> Children { get; } = new();

    public LayerSpec Set(string key, object value)
    {
        Settings[key] = value switch
        {
            int i => (long)i,
            float f => (double)f,
            long or double or bool or string or int[] => value,
            Enum e => e.ToString(),
            _ => throw new ArgumentException($"Setting '{key}' has unsupported type {value.GetType().Name}."),
        };
        return this;
    }

    public bool Has(string key) => Settings.ContainsKey(key);

    public int GetInt(string key, int? fallback = null) => Settings.TryGetValue(key, out var v)
        ? v switch { long l => checked((int)l), double d => checked((int)d), _ => throw Bad(key, v, "an integer") }
        : fallback ?? throw Missing(key);

    public double GetDouble(string key, double? fallback = null) => Settings.TryGetValue(key, out var v)
        ? v switch { long l => l, double d => d, _ => throw Bad(key, v, "a number") }
        : fallback ?? throw Missing(key);

    public bool GetBool(string key, bool? fallback = null) => Settings.TryGetValue(key, out var v)
        ? v as bool? ?? throw Bad(key, v, "a boolean")
        : fallback ?? throw Missing(key);

    public string GetString(string key, string? fallback = null) => Settings.TryGetValue(key, out var v)
        ? v as string ?? throw Bad(key, v, "a string")
        : fallback ?? throw Missing(key);

    public int[] GetInts(string key, int[]? fallback = null) => Settings.TryGetValue(key, out var v)
        ? (int[])(v as int[] ?? throw Bad(key, v, "a list of integers")).Clone()
        : fallback ?? throw Missing(key);

    public TEnum GetEnum<TEnum>(string key, TEnum? fallback = null) where TEnum : struct, Enum
    {
        if (!Settings.TryGetValue(key, out var v)) return fallback ?? throw Missing(key);
        if (v is string s && Enum.TryParse<TEnum>(s, ignoreCase: true, out var e) && Enum.IsDefined(e)) return e;
        throw Bad(key, v, "one of " + string.Join(", ", Enum.GetNames<TEnum>()));
    }

    private ModelFileException Missing(string key) => new($"Layer '{Name}' ({Type}) has no setting '{key}'.");
    private ModelFileException Bad(string key, object v, string what) =>
        new($"Layer '{Name}' ({Type}) setting '{key}' = '{Convert.ToString(v, CultureInfo.InvariantCulture)}' is not {what}.");
}
