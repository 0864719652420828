using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>Invoke-Training -Network &lt;Network&gt; [-Epochs] [-BatchSize] [-Optimizer] [-LearningRate]
/// [-Loss] [-ValidationSplit] [-Seed] ...: trains on the records or dataset piped in. Records are
/// collected as they arrive (a bad one is a non-terminating error and is skipped); training runs in
/// EndProcessing and writes one history object per epoch as the epoch completes, with Write-Progress
/// after batches and a -Verbose line per epoch. Ctrl+C finishes the current batch and stops.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Training")]
[OutputType(typeof(TrainingHistoryEntry))]
public sealed class InvokeTrainingCmdlet : NeuralCmdlet
{
    /// <summary>The network to train (changed in place).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Training data: records (Import-Csv rows, objects, hashtables) or a dataset.</summary>
    [Parameter(ValueFromPipeline = true)]
    [Alias("Dataset", "Data")]
    public object? InputObject { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Epochs { get; set; } = 10;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    [ValidateSet("SGD", "Adam", "AdamW", "RMSprop", IgnoreCase = true)]
    public string Optimizer { get; set; } = "Adam";

    /// <summary>Default 0.001 (0.01 for SGD).</summary>
    [Parameter]
    [ValidateNumber(0, double.MaxValue, MinimumExclusive = true)]
    public double LearningRate { get; set; }

    /// <summary>Auto = CrossEntropy for classes, MeanSquaredError for numeric targets.</summary>
    [Parameter]
    [ValidateSet("Auto", "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError", IgnoreCase = true)]
    public string Loss { get; set; } = "Auto";

    /// <summary>Fraction of the input held out for validation (statistics are fitted on the rest).</summary>
    [Parameter]
    [ValidateNumber(0, 0.99)]
    public double ValidationSplit { get; set; }

    /// <summary>Validation data: a dataset or records (read with the training data's encoding).</summary>
    [Parameter]
    [ValidateNotNull]
    public object? ValidationData { get; set; }

    /// <summary>Seed for shuffling, the validation split and dropout (default: the network's seed).</summary>
    [Parameter]
    public ulong Seed { get; set; }

    /// <summary>SGD momentum (0 = none).</summary>
    [Parameter]
    [ValidateNumber(0, 1, MaximumExclusive = true)]
    public double Momentum { get; set; }

    /// <summary>SGD with Nesterov momentum.</summary>
    [Parameter]
    public SwitchParameter Nesterov { get; set; }

    /// <summary>L2 weight decay (decoupled for AdamW).</summary>
    [Parameter]
    [ValidateNumber(0, double.MaxValue)]
    public double WeightDecay { get; set; }

    /// <summary>The record property holding the label (default: the last property).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelProperty { get; set; }

    /// <summary>Record properties used as features, in this order (default: all but the label).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? FeatureProperty { get; set; }

    /// <summary>Auto decides from the labels: text or a few integers → classification, else regression.</summary>
    [Parameter]
    [ValidateSet("Auto", "Classification", "Regression", IgnoreCase = true)]
    public string Task { get; set; } = "Auto";

    /// <summary>Where to compute: Auto (a GPU when one is usable, else CPU), Cpu, Cuda.</summary>
    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda", IgnoreCase = true)]
    public string Backend { get; set; } = "Auto";

    /// <summary>Keep the input order (no shuffling between epochs).</summary>
    [Parameter]
    public SwitchParameter NoShuffle { get; set; }

    private TrainingCommand? _command;
    private CancellationTokenSource? _stop;

    protected override void BeginProcessing()
    {
        try
        {
            var bound = MyInvocation.BoundParameters;
            var options = new TrainingOptions
            {
                Epochs = Epochs,
                BatchSize = BatchSize,
                Optimizer = Optimizer,
                LearningRate = bound.ContainsKey(nameof(LearningRate)) ? LearningRate
                    : Optimizer.Equals("SGD", StringComparison.OrdinalIgnoreCase) ? 0.01 : 0.001,
                Loss = Loss.Equals("Auto", StringComparison.OrdinalIgnoreCase) ? null : Loss,
                ValidationSplit = ValidationSplit,
                Seed = bound.ContainsKey(nameof(Seed)) ? Seed : null,
                Momentum = Momentum,
                Nesterov = Nesterov.IsPresent,
                WeightDecay = WeightDecay,
                Shuffle = !NoShuffle.IsPresent,
            };
            Dataset? validationDataset = null;
            List<RecordView>? validationRecords = null;
            if (ValidationData is not null)
            {
                foreach (var v in ExpandInput(ValidationData))
                {
                    if (v is Dataset d)
                    {
                        if (validationDataset is not null || validationRecords is not null)
                            throw new InvalidConfigurationException("-ValidationData takes one dataset or records, not both or several datasets.");
                        validationDataset = d;
                    }
                    else
                    {
                        if (validationDataset is not null)
                            throw new InvalidConfigurationException("-ValidationData takes one dataset or records, not both.");
                        (validationRecords ??= new List<RecordView>()).Add((RecordView)v);
                    }
                }
            }
            _command = new TrainingCommand(Network!, new TrainingSettings
            {
                Options = options,
                LabelProperty = LabelProperty,
                FeatureProperties = FeatureProperty,
                Task = Enum.Parse<LearningTask>(Task, ignoreCase: true),
                ValidationDataset = validationDataset,
                ValidationRecords = validationRecords,
                Backend = Backend.ToLowerInvariant(),
            });
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, Network);
        }
    }

    protected override void ProcessRecord() => CollectInput(InputObject, _command!);

    protected override void EndProcessing()
    {
        using var stop = new CancellationTokenSource();
        _stop = stop;
        try
        {
            _command!.Run(new Sink(this), stop.Token);
        }
        catch (Exception e) when (e is NeuralException or ArgumentException or IOException)
        {
            ThrowError(e, Network);
        }
        finally
        {
            _stop = null;
        }
    }

    /// <summary>Ctrl+C: PowerShell calls this on another thread; the trainer finishes the batch and stops.</summary>
    protected override void StopProcessing()
    {
        try
        {
            _stop?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Runs on the pipeline thread (TrainingCommand pumps the trainer's events to it).</summary>
    private sealed class Sink : ITrainingSink
    {
        private readonly InvokeTrainingCmdlet _cmdlet;
        private ProgressRecord? _progress;

        public Sink(InvokeTrainingCmdlet cmdlet) => _cmdlet = cmdlet;

        public void Progress(ProgressInfo p)
        {
            _progress = new ProgressRecord(1, p.Activity, p.Status)
            {
                PercentComplete = p.PercentComplete,
                SecondsRemaining = p.SecondsRemaining,
            };
            _cmdlet.WriteProgress(_progress);
        }

        public void Completed(TrainingHistoryEntry epoch)
        {
            if (epoch.Epoch == epoch.Epochs && _progress is not null)
            {
                _progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(_progress);
                _progress = null;
            }
            _cmdlet.WriteObject(epoch);
        }

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);

        public void Warning(string message) => _cmdlet.WriteWarning(message);

        public void RecordRejected(RecordError error, object source) =>
            _cmdlet.WriteNonTerminatingError(new DataFormatException(error.Message), source, "BadRecord");
    }
}
