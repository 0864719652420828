using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;

namespace NeuralPS.Cmdlets;

/// <summary>The parameters every cmdlet that writes one file shares (Save-NeuralNetwork, Export-NeuralNetwork,
/// Export-TrainingReport): -Path (wildcards may pick one existing file) or -LiteralPath, -Force to overwrite,
/// -PassThru; and the rule that in a distributed run only rank 0 writes (the ranks hold identical weights).</summary>
public abstract class FileWriteCmdlet : NeuralCmdlet
{
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

    /// <summary>Write the written file (FileInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>True (after saying so with -Verbose) on ranks other than 0 of a distributed run, which write nothing.</summary>
    private protected bool LeftToRankZero(string what)
    {
        if (DistributedSession.FollowerRank is not (int rank and > 0)) return false;
        WriteVerbose($"Rank {rank} of a distributed run: rank 0 writes {what}.");
        return true;
    }

    /// <summary>The file this call writes (<see cref="NeuralCmdlet.PlanFileWrite"/> of -Path / -LiteralPath and -Force).</summary>
    private protected SavePlan PlanFile() => PlanFileWrite(Path, LiteralPath, Force.IsPresent);
}
