using System.Management.Automation;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Unlock-Layer: the reverse of Lock-Layer (the layers train again).</summary>
[Cmdlet(VerbsCommon.Unlock, "Layer", DefaultParameterSetName = LockLayerCmdlet.NameSet)]
[OutputType(typeof(Network))]
public sealed class UnlockLayerCmdlet : NeuralCmdlet
{
    /// <summary>The network whose layers are unfrozen (usually from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Layer names (wildcards allowed: conv*); each must match at least one layer.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LockLayerCmdlet.NameSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Layer positions, 0 for the first; negative counts from the end (-1 is the last layer).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LockLayerCmdlet.IndexSet)]
    [ValidateNotNullOrEmpty]
    public int[]? Index { get; set; }

    /// <summary>Every layer of the network.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LockLayerCmdlet.AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord() => FreezeCmdlet.Apply(this, Network!, ParameterSetName, Name, Index, frozen: false);
}
