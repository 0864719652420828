using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets;

/// <summary>Export-TrainingReport [-Path] &lt;string&gt; -Network &lt;Network&gt; [-Evaluation &lt;report&gt;]
/// [-Force] [-PassThru] [-WhatIf] [-Confirm], with Invoke-Training's history objects from the pipeline:
/// writes one self-contained HTML report (<see cref="TrainingReport"/> builds it). An existing file is
/// overwritten only with -Force; the file is written to a temporary name and renamed.</summary>
[Cmdlet(VerbsData.Export, "TrainingReport", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportTrainingReportCmdlet : FileWriteCmdlet
{
    private readonly List<TrainingHistoryEntry> _history = new();

    /// <summary>The trained network (its summary goes into the report).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Measure-Model's result on test data (confusion matrix, per-class precision/recall/F1).</summary>
    [Parameter]
    [ValidateNotNull]
    public EvaluationReport? Evaluation { get; set; }

    /// <summary>Invoke-Training's history objects, from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("History")]
    [ValidateNotNull]
    public TrainingHistoryEntry[]? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null) _history.AddRange(InputObject.Where(h => h is not null));
    }

    protected override void EndProcessing()
    {
        if (LeftToRankZero("the training report")) return;
        var plan = PlanFile();
        string html;
        try
        {
            html = TrainingReport.Build(Network!, _history, Evaluation, DateTimeOffset.Now);
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, _history);
            return;
        }
        if (!ShouldProcess(plan.Path, plan.Overwrites ? "Overwrite training report" : "Write training report")) return;
        try
        {
            plan.EnsureAllowed(); // an existing file only with -Force (after ShouldProcess, so -WhatIf describes it)
            AtomicFile.Write(plan.Path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(html));
            var file = new FileInfo(plan.Path);
            WriteVerbose($"Wrote the training report of '{Network!.Name}' ({_history.Count} epochs) to {file.FullName} ({file.Length:N0} bytes).");
            if (PassThru.IsPresent) WriteObject(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowError(e, plan.Path, writing: true);
        }
    }
}
