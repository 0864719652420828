using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Lock-Layer -Network (pipeline) -Name conv1,conv* | -Index 0,1 | -All: freezes layers for transfer
/// learning (training leaves their weights bit-unchanged and computes no gradients for them) and writes the
/// same network, so it chains with Remove-Layer and Add-Layer. The flags are saved with the model.</summary>
[Cmdlet(VerbsCommon.Lock, "Layer", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Network))]
public sealed class LockLayerCmdlet : NeuralCmdlet
{
    internal const string NameSet = "Name";
    internal const string IndexSet = "Index";
    internal const string AllSet = "All";

    /// <summary>The network whose layers are frozen (usually from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Layer names (wildcards allowed: conv*); each must match at least one layer.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Layer positions, 0 for the first; negative counts from the end (-1 is the last layer).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IndexSet)]
    [ValidateNotNullOrEmpty]
    public int[]? Index { get; set; }

    /// <summary>Every layer of the network.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord() => FreezeCmdlet.Apply(this, Network!, ParameterSetName, Name, Index, frozen: true);
}
