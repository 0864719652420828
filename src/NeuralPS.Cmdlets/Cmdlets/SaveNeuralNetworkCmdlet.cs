using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Save-NeuralNetwork -Network &lt;Network&gt; [-Path] &lt;string&gt; [-Force] [-AllowNonFinite] [-PassThru]
/// [-WhatIf] [-Confirm]: writes the architecture, weights, feature encoding and class names to a
/// model file (atomically: a failure never leaves half a file). An existing file is overwritten only
/// with -Force.</summary>
[Cmdlet(VerbsData.Save, "NeuralNetwork", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class SaveNeuralNetworkCmdlet : NeuralCmdlet
{

    /// <summary>The network to save (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>The model file to write (conventionally *.npsm). Relative to the current location; wildcard
    /// characters may select one existing file to overwrite (with -Force).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The model file to write, taken literally (no wildcard characters).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Save even when weights are NaN or infinite (a diverged training); refused otherwise.</summary>
    [Parameter]
    public SwitchParameter AllowNonFinite { get; set; }

    /// <summary>Write the saved file (FileInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (DistributedSession.FollowerRank is int rank and > 0)
        {
            // The ranks hold identical weights after distributed training; one copy is written, by rank 0.
            WriteVerbose($"Rank {rank} of a distributed run: rank 0 saves network '{Network!.Name}'.");
            return;
        }
        // A file to be written need not exist; -Path wildcards may pick one existing file (as Out-File's do).
        var plan = PlanFileWrite(Path, LiteralPath, Force.IsPresent);
        if (!ShouldProcess(plan.Path, plan.Action)) return;
        try
        {
            var file = ModelFiles.Save(Network!, plan, AllowNonFinite.IsPresent);
            WriteVerbose($"Saved network '{Network!.Name}' ({Network.ParameterCount:N0} parameters) to {file.FullName} ({file.Length:N0} bytes).");
            if (PassThru.IsPresent) WriteObject(file);
        }
        catch (Exception e) when (e is NeuralException or IOException or UnauthorizedAccessException)
        {
            ThrowError(e, plan.Path, writing: true);
        }
    }
}
