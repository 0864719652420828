using System.Management.Automation;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Remove-Layer -Network (pipeline) -Last N: drops the last N layers (the head of a trained network) and
/// writes the same network, so a new head follows in the pipeline:
/// <c>$net | Remove-Layer -Last 1 | Add-Layer Dense -Units 5</c>. The preprocessing and the class names stay.</summary>
[Cmdlet(VerbsCommon.Remove, "Layer")]
[OutputType(typeof(Network))]
public sealed class RemoveLayerCmdlet : NeuralCmdlet
{
    /// <summary>The network to shorten (usually from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>How many layers to remove from the end (at least 1, at most the number of layers).</summary>
    [Parameter(Mandatory = true)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    protected override void ProcessRecord()
    {
        var network = Network!;
        if (Last > network.Layers.Count)
            ThrowError(new InvalidConfigurationException(
                $"Network '{network.Name}' has {network.Layers.Count} layer{(network.Layers.Count == 1 ? "" : "s")}; -Last {Last} would remove more than all of them."), network);
        // An edit of the object in memory, as Add-Layer's (no ShouldProcess: only the cmdlets that write files have it).
        var removed = network.Layers.Skip(network.Layers.Count - Last).Select(l => l.Name).ToArray();
        network.RemoveLast(Last);
        WriteVerbose($"Removed layer{(Last == 1 ? "" : "s")} {string.Join(", ", removed)} from network '{network.Name}'.");
        WriteObject(network);
    }
}
