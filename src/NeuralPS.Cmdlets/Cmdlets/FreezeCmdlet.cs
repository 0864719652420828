using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>What Lock-Layer and Unlock-Layer share.</summary>
internal static class FreezeCmdlet
{
    public static void Apply(NeuralCmdlet cmdlet, Network network, string set, string[]? names, int[]? indexes, bool frozen)
    {
        IReadOnlyList<Layer> layers;
        try
        {
            layers = set switch
            {
                LockLayerCmdlet.NameSet => LayerSelection.ByName(network, names!, Matches),
                LockLayerCmdlet.IndexSet => LayerSelection.ByIndex(network, indexes!),
                _ => network.Layers,
            };
        }
        catch (LayerNotFoundException e)
        {
            // Terminating: training with another set of frozen layers than the one asked for would be wrong; the
            // network is unchanged.
            cmdlet.Fail(e, e.Target);
            return;
        }
        LayerSelection.SetFrozen(layers, frozen);
        foreach (var layer in layers)
            cmdlet.WriteVerbose($"{(frozen ? "Froze" : "Unfroze")} layer '{layer.Name}' ({layer.Type}, {layer.ParameterCount:N0} parameters).");
        cmdlet.WriteObject(network);
    }

    private static bool Matches(string pattern, string name) =>
        WildcardPattern.ContainsWildcardCharacters(pattern)
            ? WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase).IsMatch(name)
            : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
}
