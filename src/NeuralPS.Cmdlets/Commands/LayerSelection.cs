using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Lock-Layer / Unlock-Layer without PowerShell: picks a network's top-level layers by name
/// (patterns matched by the caller's matcher, e.g. PowerShell wildcards) or by index (0-based; negative counts
/// from the end, −1 the last), and sets their frozen flag. Every name and index is checked before anything
/// changes, so a bad one leaves the network as it was.</summary>
internal static class LayerSelection
{
    public static IReadOnlyList<Layer> ByName(Network network, IReadOnlyList<string> patterns, Func<string, string, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(network);
        var chosen = new List<Layer>();
        foreach (var pattern in patterns)
        {
            bool found = false;
            foreach (var layer in network.Layers)
            {
                if (!matches(pattern, layer.Name)) continue;
                found = true;
                if (!chosen.Contains(layer)) chosen.Add(layer);
            }
            if (!found)
                throw new LayerNotFoundException(pattern,
                    $"Network '{network.Name}' has no layer named '{pattern}'. Its layers: {string.Join(", ", network.Layers.Select(l => l.Name))}.");
        }
        return chosen;
    }

    public static IReadOnlyList<Layer> ByIndex(Network network, IReadOnlyList<int> indexes)
    {
        ArgumentNullException.ThrowIfNull(network);
        var chosen = new List<Layer>();
        int n = network.Layers.Count;
        foreach (int index in indexes)
        {
            int i = index < 0 ? index + n : index;
            if (i < 0 || i >= n)
                throw new LayerNotFoundException(index,
                    $"Network '{network.Name}' has {n} layer{(n == 1 ? "" : "s")} (indexes 0 … {n - 1}, or −1 … −{n} from the end); there is no layer {index}.");
            if (!chosen.Contains(network.Layers[i])) chosen.Add(network.Layers[i]);
        }
        return chosen;
    }

    public static void SetFrozen(IEnumerable<Layer> layers, bool frozen)
    {
        foreach (var layer in layers) layer.Frozen = frozen;
    }
}

/// <summary>A layer name or index that the network does not have; <see cref="Target"/> is the offending value
/// (the ErrorRecord's target object).</summary>
internal sealed class LayerNotFoundException : ArgumentException
{
    public LayerNotFoundException(object target, string message) : base(message) => Target = target;

    public object Target { get; }
}
