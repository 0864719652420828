using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>What Save-NeuralNetwork and Export-NeuralNetwork share: the network from the pipeline, -Path (wildcards
/// may pick one existing file) or -LiteralPath, -Force to overwrite, -AllowNonFinite, -PassThru, ShouldProcess first,
/// one atomic write, and in a distributed run only rank 0 writes (the ranks hold identical weights).</summary>
public abstract class NetworkFileCmdlet : NeuralCmdlet
{
    /// <summary>The network to write (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>The file to write. Relative to the current location; wildcard characters may select one existing
    /// file to overwrite (with -Force).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The file to write, taken literally (no wildcard characters).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write even when weights are NaN or infinite (a diverged training); refused otherwise.</summary>
    [Parameter]
    public SwitchParameter AllowNonFinite { get; set; }

    /// <summary>Write the written file (FileInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The ShouldProcess action for this plan.</summary>
    private protected abstract string Action(SavePlan plan);

    /// <summary>Writes the file; returns it.</summary>
    private protected abstract FileInfo Write(Network network, SavePlan plan);

    /// <summary>The verbose line after writing.</summary>
    private protected abstract string Written(Network network, FileInfo file);

    /// <summary>The object an error names: the file, or the network when the network itself cannot be written.</summary>
    private protected virtual object ErrorTarget(Exception e, SavePlan plan) => plan.Path;

    protected override void ProcessRecord()
    {
        var network = Network!;
        if (DistributedSession.FollowerRank is int rank and > 0)
        {
            WriteVerbose($"Rank {rank} of a distributed run: rank 0 writes network '{network.Name}'.");
            return;
        }
        // A file to be written need not exist; -Path wildcards may pick one existing file (as Out-File's do).
        var plan = PlanFileWrite(Path, LiteralPath, Force.IsPresent);
        if (!ShouldProcess(plan.Path, Action(plan))) return;
        try
        {
            var file = Write(network, plan);
            WriteVerbose(Written(network, file));
            if (PassThru.IsPresent) WriteObject(file);
        }
        catch (Exception e) when (e is NeuralException or IOException or UnauthorizedAccessException)
        {
            var target = ErrorTarget(e, plan);
            ThrowError(e, target, writing: ReferenceEquals(target, plan.Path));
        }
    }
}
