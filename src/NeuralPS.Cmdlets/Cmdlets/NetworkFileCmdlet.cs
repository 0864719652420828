using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>What Save-NeuralNetwork and Export-NeuralNetwork share beyond <see cref="FileWriteCmdlet"/>: the network
/// from the pipeline, -AllowNonFinite, ShouldProcess first, one atomic write, and the error's target.</summary>
public abstract class NetworkFileCmdlet : FileWriteCmdlet
{
    /// <summary>The network to write (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Write even when weights are NaN or infinite (a diverged training); refused otherwise.</summary>
    [Parameter]
    public SwitchParameter AllowNonFinite { get; set; }

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
        if (LeftToRankZero($"network '{network.Name}'")) return;
        // A file to be written need not exist; -Path wildcards may pick one existing file (as Out-File's do).
        var plan = PlanFile();
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
