using System.Collections;
using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Metrics;

namespace NeuralPS.Cmdlets;

/// <summary>Invoke-Prediction -Network &lt;Network&gt; [-BatchSize] [-IncludeProbabilities]: writes each
/// input record back with PredictedLabel and Probability (classification) or PredictedValue
/// (regression) added; for a dataset, one object per sample. Records are read with the network's
/// saved feature columns and scaling, so raw rows (Import-Csv) work. Records are predicted in
/// batches and written as each batch completes; a record that cannot be read is a non-terminating
/// error and is skipped.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Prediction")]
[OutputType(typeof(PSObject), typeof(SamplePrediction))]
public sealed class InvokePredictionCmdlet : NeuralCmdlet
{
    /// <summary>The trained network.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Records (objects, hashtables) or a dataset.</summary>
    [Parameter(ValueFromPipeline = true)]
    [Alias("Dataset", "Data")]
    public object? InputObject { get; set; }

    /// <summary>Records predicted together (larger is faster; output is written per batch).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = ModelEvaluator.DefaultBatchSize;

    /// <summary>Also add Probabilities: every class's probability by class name.</summary>
    [Parameter]
    public SwitchParameter IncludeProbabilities { get; set; }

    private PredictionCommand? _command;
    private SeriesForecastCommand? _series;
    private bool _saidLayout;

    private protected override bool AcceptsNumbers => Network?.Series is not null;

    protected override void BeginProcessing()
    {
        try
        {
            if (Network!.Series is not null) _series = new SeriesForecastCommand(Network);
            else _command = new PredictionCommand(Network!, BatchSize, IncludeProbabilities.IsPresent);
        }
        catch (NeuralException e)
        {
            ThrowError(e, Network);
        }
    }

    protected override void ProcessRecord()
    {
        if (_series is not null)
        {
            CollectInput(InputObject, _series);
            return;
        }
        foreach (var item in ExpandInput(InputObject))
        {
            try
            {
                if (item is Dataset dataset)
                {
                    Emit(_command!.Flush());
                    foreach (var p in _command.PredictDataset(dataset, WriteVerbose)) WriteObject(p);
                    continue;
                }
                if (!_saidLayout)
                {
                    _saidLayout = true;
                    if (InputLayout.RecordNotice(Network!) is { } notice) WriteVerbose(notice);
                }
                Emit(_command!.Add((RecordView)item));
            }
            catch (Exception e) when (e is NeuralException or ArgumentException)
            {
                ThrowError(e, Network);
            }
        }
    }

    protected override void EndProcessing()
    {
        try
        {
            if (_series is not null)
            {
                foreach (var f in _series.Forecasts()) WriteObject(f);
                return;
            }
            Emit(_command!.Flush());
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, Network);
        }
    }

    private void Emit(IReadOnlyList<RecordOutcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            if (o.Error is not null)
            {
                WriteNonTerminatingError(new DataFormatException(o.Error.Message), o.Record.Source, "BadRecord");
                continue;
            }
            WriteObject(WithColumns(o.Record, o.Columns!));
        }
    }

    /// <summary>The input with the prediction added: a PSObject keeps its identity and gains note
    /// properties (as Add-Member would); a hashtable becomes a new object with its keys plus the prediction.</summary>
    private static PSObject WithColumns(RecordView record, IReadOnlyList<KeyValuePair<string, object?>> columns)
    {
        PSObject output;
        if (Unwrap(record.Source) is IDictionary)
        {
            output = new PSObject();
            foreach (var (name, value) in record) output.Properties.Add(new PSNoteProperty(name, value));
        }
        else
        {
            output = PSObject.AsPSObject(record.Source);
        }
        foreach (var (name, value) in columns)
        {
            if (output.Properties[name] is PSNoteProperty existing) existing.Value = value;
            else output.Properties.Add(new PSNoteProperty(name, value));
        }
        return output;
    }
}
