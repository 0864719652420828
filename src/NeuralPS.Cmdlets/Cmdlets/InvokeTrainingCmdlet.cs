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
/// after batches and a -Verbose line per epoch. Ctrl+C finishes the current batch, writes a checkpoint
/// when -CheckpointPath is given, and stops (the history so far has already been written). The
/// parameters become engine options in <see cref="TrainingParameters"/>; nothing is decided here.</summary>
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

    /// <summary>Validation data: a dataset or records (read with the training data's encoding); for a series, its own steps (rows or numbers), windowed and scaled as the training series.</summary>
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

    /// <summary>Auto decides from the labels: text or a few integers → classification, else regression.
    /// NextToken: a text network (TextVectorization ... ReturnSequences ... Dense) learns to predict the next
    /// token at every step of the text property; the labels come from the text, no label property.</summary>
    [Parameter]
    [ValidateSet("Auto", "Classification", "Regression", "NextToken", IgnoreCase = true)]
    public string Task { get; set; } = "Auto";

    /// <summary>Where to compute: Auto (a GPU when one is usable, else CPU), Cpu, Cuda.</summary>
    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda", IgnoreCase = true)]
    public string Backend { get; set; } = "Auto";

    /// <summary>Keep the input order (no shuffling between epochs).</summary>
    [Parameter]
    public SwitchParameter NoShuffle { get; set; }

    /// <summary>Folder for checkpoints (last.npsc and best.npsc), written at the end of every epoch.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Also write a checkpoint every N batches.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int CheckpointEvery { get; set; }

    /// <summary>Continue from the checkpoint in -CheckpointPath when there is one (else start fresh).</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Stop when -Monitor stops improving; the network ends with the best epoch's weights.</summary>
    [Parameter]
    public SwitchParameter EarlyStopping { get; set; }

    /// <summary>Epochs without improvement before early stopping stops (default 5).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Patience { get; set; }

    /// <summary>The smallest change of -Monitor that counts as an improvement (default 0).</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinDelta { get; set; }

    /// <summary>The history metric early stopping and ReduceOnPlateau watch (Auto = ValidationLoss, or Loss without validation data).</summary>
    [Parameter]
    [ValidateSet("Auto", "ValidationLoss", "Loss", "Accuracy", "ValidationAccuracy", "MAE", "ValidationMAE", "Metric", "ValidationMetric", IgnoreCase = true)]
    public string? Monitor { get; set; }

    /// <summary>With -EarlyStopping, keep the last epoch's weights instead of the best epoch's.</summary>
    [Parameter]
    public SwitchParameter KeepLastWeights { get; set; }

    /// <summary>How the learning rate changes: None, Step, Exponential, Cosine, OneCycle, ReduceOnPlateau.</summary>
    [Parameter]
    [ValidateSet("None", "Step", "Exponential", "Cosine", "OneCycle", "ReduceOnPlateau", IgnoreCase = true)]
    public string LearningRateSchedule { get; set; } = "None";

    /// <summary>Step schedule: epochs between rate cuts (default 10).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int StepSize { get; set; }

    /// <summary>Step, Exponential and ReduceOnPlateau: the factor the rate is multiplied by.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Gamma { get; set; }

    /// <summary>Cosine: epochs of linear warm-up.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int WarmupEpochs { get; set; }

    /// <summary>Cosine and ReduceOnPlateau: the lowest rate.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinLearningRate { get; set; }

    /// <summary>ReduceOnPlateau: epochs without improvement before the rate is cut (default 10).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int PlateauPatience { get; set; }

    /// <summary>Clip the gradients' global L2 norm to this value.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipNorm { get; set; }

    /// <summary>Clamp every gradient element to ±this value.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double ClipValue { get; set; }

    /// <summary>Average the gradients of N batches into one update (an effective batch of N × -BatchSize).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int AccumulationSteps { get; set; }

    /// <summary>'Balanced', one weight per class, or a hashtable of class name to weight.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? ClassWeight { get; set; }

    /// <summary>Train as one rank of an MPI job (data-parallel; the default when mpirun or srun started this
    /// process); -Distributed:$false trains this process alone even then.</summary>
    [Parameter]
    public SwitchParameter Distributed { get; set; }

    /// <summary>Distributed: BatchNorm normalises with the statistics of the whole global batch (default: each rank's own).</summary>
    [Parameter]
    public SwitchParameter SyncBatchNorm { get; set; }

    /// <summary>Distributed: every N epochs, check that all ranks hold identical weights and optimizer state.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int ChecksumEvery { get; set; }
    /// <summary>Forecasting: the properties whose values make each step of a series (the first is forecast).
    /// Each input record (an Import-Csv row) is one step, in order; numbers on the pipeline need no property.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? SeriesProperty { get; set; }

    /// <summary>Forecasting: how many steps after each window of the series its forecast is (default 1).</summary>
    [Parameter]
    [ValidateRange(1, NeuralPS.Core.Data.SeriesPreprocessor.MaxHorizon)]
    public int Horizon { get; set; }

    private TrainingCommand? _command;

    private protected override bool AcceptsNumbers => SeriesProperty is not null || MyInvocation.BoundParameters.ContainsKey(nameof(Horizon)) || Network?.Series is not null;
    private CancellationTokenSource? _stop;

    protected override void BeginProcessing()
    {
        try
        {
            var bound = MyInvocation.BoundParameters;
            T? Given<T>(string name, T value) where T : struct => bound.ContainsKey(name) ? value : null;
            var options = new TrainingParameters
            {
                Epochs = Epochs, BatchSize = BatchSize, Optimizer = Optimizer, LearningRate = Given(nameof(LearningRate), LearningRate),
                Loss = Loss, ValidationSplit = ValidationSplit, Seed = Given(nameof(Seed), Seed), Momentum = Momentum,
                Nesterov = Nesterov.IsPresent, WeightDecay = WeightDecay, NoShuffle = NoShuffle.IsPresent,
                CheckpointPath = CheckpointPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointPath),
                CheckpointEvery = Given(nameof(CheckpointEvery), CheckpointEvery), Resume = Resume.IsPresent,
                EarlyStopping = EarlyStopping.IsPresent, Patience = Given(nameof(Patience), Patience), MinDelta = Given(nameof(MinDelta), MinDelta),
                Monitor = Monitor, KeepLastWeights = KeepLastWeights.IsPresent,
                Schedule = new ScheduleSettings
                {
                    Name = LearningRateSchedule, StepSize = Given(nameof(StepSize), StepSize), Gamma = Given(nameof(Gamma), Gamma),
                    WarmupEpochs = Given(nameof(WarmupEpochs), WarmupEpochs), MinLearningRate = Given(nameof(MinLearningRate), MinLearningRate),
                    PlateauPatience = Given(nameof(PlateauPatience), PlateauPatience),
                },
                ClipNorm = Given(nameof(ClipNorm), ClipNorm), ClipValue = Given(nameof(ClipValue), ClipValue),
                AccumulationSteps = Given(nameof(AccumulationSteps), AccumulationSteps),
                Distributed = bound.ContainsKey(nameof(Distributed)) ? Distributed.IsPresent : null,
                SyncBatchNorm = SyncBatchNorm.IsPresent, ChecksumEvery = Given(nameof(ChecksumEvery), ChecksumEvery),
            }.Build();
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
                Task = IsNextToken ? LearningTask.Classification : Enum.Parse<LearningTask>(Task, ignoreCase: true),
                NextToken = IsNextToken,
                ValidationDataset = validationDataset,
                ValidationRecords = validationRecords,
                ClassWeight = UnwrapClassWeight(ClassWeight),
                SeriesProperties = SeriesProperty,
                Horizon = bound.ContainsKey(nameof(Horizon)) ? Horizon : null,
                Backend = Backend.ToLowerInvariant(),
            });
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, Network);
        }
    }

    private bool IsNextToken => string.Equals(Task, "NextToken", StringComparison.OrdinalIgnoreCase);

    // PowerShell may wrap the value and the elements of a list in PSObjects; the parser takes plain values.
    private static object? UnwrapClassWeight(object? value)
    {
        value = value is PSObject pso ? pso.BaseObject : value;
        if (value is System.Collections.IEnumerable list and not string and not System.Collections.IDictionary)
            return list.Cast<object?>().Select(o => o is PSObject p ? p.BaseObject : o).ToArray();
        return value;
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
            if ((epoch.Epoch == epoch.Epochs || epoch.StopReason is not null) && _progress is not null)
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
