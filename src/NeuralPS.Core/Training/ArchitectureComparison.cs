using System.Globalization;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Training;

/// <summary>Names the first difference between two networks' architectures (input shape, layer count,
/// each layer's type, name, settings and output shape, recursively for container layers), or null when
/// they match. Used to refuse a checkpoint written for another network.</summary>
public static class ArchitectureComparison
{
    public static string? FirstDifference(Network expected, Network saved)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(saved);
        if (expected.InputShape != saved.InputShape)
            return $"the checkpoint's network takes input {saved.InputShape} but this network takes {expected.InputShape}";
        if (expected.Layers.Count != saved.Layers.Count)
            return $"the checkpoint's network has {saved.Layers.Count} layers ({Types(saved)}) but this network has {expected.Layers.Count} ({Types(expected)})";
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            Layer a = expected.Layers[i], b = saved.Layers[i];
            string? d = Compare(a.Describe(), b.Describe());
            if (d is not null) return $"layer {i + 1}: {d}";
            if (a.OutputShape != b.OutputShape)
                return $"layer {i + 1} ('{a.Name}') outputs {b.OutputShape} in the checkpoint but {a.OutputShape} here";
        }
        return null;
    }

    private static string Types(Network n) => string.Join(", ", n.Layers.Select(l => l.Type));

    private static string? Compare(LayerSpec here, LayerSpec saved)
    {
        if (here.Type != saved.Type) return $"the checkpoint has {Describe(saved)} but this network has {Describe(here)}";
        if (here.Name != saved.Name) return $"the checkpoint's layer is named '{saved.Name}' but this network's is '{here.Name}'";
        if (!SameSettings(here, saved)) return $"the checkpoint has {Describe(saved)} but this network has {Describe(here)}";
        if (here.Children.Count != saved.Children.Count)
            return $"'{here.Name}' holds {saved.Children.Count} layers in the checkpoint but {here.Children.Count} here";
        for (int i = 0; i < here.Children.Count; i++)
        {
            string? d = Compare(here.Children[i], saved.Children[i]);
            if (d is not null) return $"inside '{here.Name}', layer {i + 1}: {d}";
        }
        return null;
    }

    // Exact comparison (the description rounds numbers for reading).
    private static bool SameSettings(LayerSpec a, LayerSpec b) =>
        a.Settings.Count == b.Settings.Count && a.Settings.All(kv => b.Settings.TryGetValue(kv.Key, out var v) && SameValue(kv.Value, v));

    private static bool SameValue(object a, object b) => (a, b) switch
    {
        (int[] x, int[] y) => x.AsSpan().SequenceEqual(y),
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        _ => Equals(a, b),
    };

    private static string Describe(LayerSpec s) =>
        $"{s.Type} '{s.Name}' ({string.Join(", ", s.Settings.Select(kv => $"{kv.Key}={Format(kv.Value)}"))})";

    private static string Format(object v) => v switch
    {
        int[] a => "[" + string.Join(",", a) + "]",
        double d => d.ToString("G7", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? string.Empty,
    };
}
