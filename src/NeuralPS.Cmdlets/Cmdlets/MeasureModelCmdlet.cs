using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;

namespace NeuralPS.Cmdlets;

/// <summary>Measure-Model -Network &lt;Network&gt; [-LabelProperty] [-BatchSize]: measures a trained
/// network on the labelled records or dataset piped in. Classification: Accuracy, Loss, per-class
/// Precision/Recall/F1 (also as the Classes table) and the ConfusionMatrix; regression: MAE, RMSE,
/// R2. A record that cannot be read is a non-terminating error and is skipped.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "Model")]
[OutputType(typeof(ClassificationReport), typeof(RegressionReport))]
public sealed class MeasureModelCmdlet : NeuralCmdlet
{
    /// <summary>The trained network.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Test data: labelled records or a dataset.</summary>
    [Parameter(ValueFromPipeline = true)]
    [Alias("Dataset", "Data")]
    public object? InputObject { get; set; }

    /// <summary>The record property holding the true label (default: the one the network was trained with).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelProperty { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = ModelEvaluator.DefaultBatchSize;

    private EvaluationCommand? _command;
    private SeriesForecastCommand? _series;

    private protected override bool AcceptsNumbers => Network?.Series is not null;

    protected override void BeginProcessing()
    {
        try
        {
            if (Network!.Series is not null) _series = new SeriesForecastCommand(Network);
            else _command = new EvaluationCommand(Network!, LabelProperty, BatchSize);
        }
        catch (NeuralException e)
        {
            ThrowError(e, Network);
        }
    }

    protected override void ProcessRecord() => CollectInput(InputObject, (IRecordSink?)_series ?? _command!);

    protected override void EndProcessing()
    {
        try
        {
            EvaluationReport report = _series is not null ? _series.Measure() : _command!.Run(WriteVerbose);
            var output = PSObject.AsPSObject(report);
            foreach (var (name, value) in EvaluationCommand.ExtraProperties(report))
                output.Properties.Add(new PSNoteProperty(name, value));
            WriteObject(output);
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, Network);
        }
    }
}
