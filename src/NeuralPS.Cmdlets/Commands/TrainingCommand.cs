using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Invoke-Training without PowerShell. The cmdlet hands each pipeline input to
/// <see cref="AddRecord"/> or <see cref="AddDataset"/> as it arrives (a bad record comes back as a
/// <see cref="RecordError"/> and is skipped), then calls <see cref="Run"/> once, which converts the
/// records with the engine's RecordConverter (standardisation fitted on the training part only),
/// trains on a worker thread, and reports progress and each finished epoch to the sink on the
/// calling thread.</summary>
internal sealed class TrainingCommand : IRecordSink
{
    /// <summary>Progress is reported at most this often (the host redraws a bar on every call).</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    private readonly Network _network;
    private readonly TrainingSettings _settings;
    private readonly ITrainingEngine _engine;
    private readonly List<string> _notices = new();
    private RecordConverter? _converter;
    private SeriesInput? _series;
    private Dataset? _dataset;
    private long _records;

    public TrainingCommand(Network network, TrainingSettings settings, ITrainingEngine? engine = null)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _engine = engine ?? CoreTrainingEngine.Instance;
        Validate(settings.Options);
    }

    /// <summary>Records accepted so far.</summary>
    public int AcceptedRecords => _converter?.Count ?? 0;

    /// <summary>Things the user should know (chosen defaults), for -Verbose.</summary>
    public IReadOnlyList<string> Notices => _notices;

    private static void Validate(TrainingOptions o)
    {
        if (o.Epochs < 1) throw new InvalidConfigurationException($"-Epochs must be at least 1 but is {o.Epochs}.");
        if (o.BatchSize < 1) throw new InvalidConfigurationException($"-BatchSize must be at least 1 but is {o.BatchSize}.");
        if (!(o.LearningRate > 0) || !double.IsFinite(o.LearningRate)) throw new InvalidConfigurationException($"-LearningRate must be greater than 0 but is {o.LearningRate}.");
        if (!(o.ValidationSplit >= 0 && o.ValidationSplit < 1)) throw new InvalidConfigurationException($"-ValidationSplit is the fraction held out and must be in [0, 1) but is {o.ValidationSplit}.");
        if (o.Momentum < 0 || o.Momentum >= 1) throw new InvalidConfigurationException($"-Momentum must be in [0, 1) but is {o.Momentum}.");
        if (o.WeightDecay < 0) throw new InvalidConfigurationException($"-WeightDecay must be ≥ 0 but is {o.WeightDecay}.");
    }

    /// <summary>Takes one record; returns the reason when it cannot be used (the record is skipped).</summary>
    public RecordError? AddRecord(RecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_dataset is not null)
            throw new InvalidConfigurationException("Invoke-Training got a dataset and then records; give one dataset or records, not both.");
        _records++;
        if (_settings.IsSeries(_network))
            return (_series ??= new SeriesInput(_settings.SeriesProperties ?? _network.Series?.Properties)).Add(record);
        _converter ??= CreateConverter(record);
        return _converter.TryAdd(record, out var error, $"Record {_records}") ? null : error;
    }

    /// <summary>Takes a whole dataset (Import-NeuralDataset, Get-NeuralDataset).</summary>
    public void AddDataset(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (_settings.IsSeries(_network))
            throw new InvalidConfigurationException($"Invoke-Training forecasts a series here (-SeriesProperty, -Horizon, or a network trained on a series): pipe its steps (Import-Csv rows or numbers), not dataset '{dataset.Name}'.");
        if (_converter is not null)
            throw new InvalidConfigurationException("Invoke-Training got records and then a dataset; give one dataset or records, not both.");
        if (_dataset is not null)
            throw new InvalidConfigurationException($"Invoke-Training got a second dataset ('{dataset.Name}' after '{_dataset.Name}'); train on one dataset per call.");
        if (!dataset.HasLabels)
            throw new InvalidConfigurationException($"Dataset '{dataset.Name}' has no labels, so there is nothing to learn; import it with its labels (-LabelPath / -LabelProperty).");
        if (_settings.LabelProperty is not null || _settings.FeatureProperties is not null)
            _notices.Add($"The input is dataset '{dataset.Name}', whose features and labels are already chosen; -LabelProperty and -FeatureProperty apply to records and are ignored.");
        _dataset = dataset;
    }

    /// <summary>True when the network already knows how to read records (from an earlier training, even
    /// a cancelled one, or a reloaded model): new records must be encoded the same way.</summary>
    private bool ReusesEncoding => _converterReuses ??= _network.Preprocessor?.RecordColumns is not null;

    private bool? _converterReuses;

    private RecordConverter CreateConverter(RecordView first)
    {
        if (_settings.NextToken) return CreateNextTokenConverter(first);
        string? label = _settings.LabelProperty ?? _network.Preprocessor?.LabelName;
        if (ReusesEncoding && RecordConverter.HeadNoLongerMatchesClasses(_network))
        {
            // Transfer learning: the output layer was replaced (Remove-Layer + Add-Layer), so the old class names no
            // longer describe it. The features are read as learned; the classes are fitted from these records.
            _notices.Add($"Network '{_network.Name}' has {_network.OutputShape.Size} outputs but {_network.ClassNames!.Count} class names from earlier training (the output layer was replaced): the records are read with the learned feature columns, and the classes are taken anew from '{label ?? _network.Preprocessor?.LabelName}'.");
            return RecordConverter.ForNewClasses(_network, label);
        }
        if (ReusesEncoding)
        {
            // Continued training: read the records with the encoding the network already learned.
            _notices.Add($"Network '{_network.Name}' already has feature columns and class names from earlier training; the records are read with them.");
            return RecordConverter.ForEvaluation(_network, label);
        }
        if (_network.Preprocessor is not null)
            throw new InvalidConfigurationException($"Network '{_network.Name}' was trained on arrays or idx data (it has no saved feature columns), so it cannot continue on records; give it a dataset.");
        if (label is null)
        {
            label = first.Keys.LastOrDefault()
                ?? throw new DataFormatException("Record 1 has no properties; pipe objects with feature properties and a label property.");
            _notices.Add($"No -LabelProperty given: using the last property, '{label}', as the label.");
        }
        var options = new RecordConverterOptions
        {
            LabelColumn = label,
            FeatureColumns = _settings.FeatureProperties,
            Task = _settings.Task,
            Name = "records",
        };
        if (_network.Layers.Count > 0 && _network.Layers[0] is TextVectorization text)
        {
            options.TextColumn = TextProperty(first, label);
            options.FeatureColumns = null;
            options.Text = new TextSettings(text.Split, text.SequenceLength, text.MaxTokens);
            _notices.Add($"Network '{_network.Name}' starts with TextVectorization: property '{options.TextColumn}' is the text; its vocabulary is fitted on the training records only.");
        }
        return new RecordConverter(options);
    }

    // -Task NextToken: the records hold only the text; the labels (the next token at every step) come from it
    // after the vocabulary is fitted (see NextTokenData).
    private RecordConverter CreateNextTokenConverter(RecordView first)
    {
        if (_network.Layers.Count == 0 || _network.Layers[0] is not TextVectorization text)
            throw new InvalidConfigurationException($"-Task NextToken trains a text network to predict the next token, so network '{_network.Name}' must start with TextVectorization (then Embedding, a recurrent layer with -ReturnSequences, and Dense with one unit per token).");
        if (_network.OutputShape.Rank != 2 || _network.OutputShape[0] != text.SequenceLength)
            throw new InvalidConfigurationException($"-Task NextToken needs one score row per step, output ({text.SequenceLength}, tokens), but network '{_network.Name}' outputs {_network.OutputShape}; give the recurrent layers -ReturnSequences and end with Dense -Units {text.MaxTokens}.");
        if (_settings.LabelProperty is not null)
            throw new InvalidConfigurationException($"-Task NextToken takes its labels from the text itself; leave out -LabelProperty ('{_settings.LabelProperty}').");
        if (ReusesEncoding)
        {
            if (!NextTokenLabels.IsNextTokenModel(_network))
                throw new InvalidConfigurationException($"Network '{_network.Name}' was trained on labelled records, not with -Task NextToken; it cannot continue as a next-token model.");
            _notices.Add($"Network '{_network.Name}' already has a vocabulary from earlier training; the texts are read with it.");
            return RecordConverter.ForPrediction(_network);
        }
        if (_network.Preprocessor is not null)
            throw new InvalidConfigurationException($"Network '{_network.Name}' was trained on arrays or idx data (it has no saved feature columns), so it cannot continue on records; give it a dataset.");
        var keys = first.Keys.ToList();
        string column = _settings.FeatureProperties is { Count: 1 } one ? one[0]
            : _settings.FeatureProperties is { } several
                ? throw new InvalidConfigurationException($"Network '{_network.Name}' starts with TextVectorization and reads one text property, but -FeatureProperty names {several.Count}: {string.Join(", ", several)}.")
                : keys.Count == 1 ? keys[0]
                : throw new InvalidConfigurationException(keys.Count == 0
                    ? "Record 1 has no properties; a next-token model needs a text property."
                    : $"-Task NextToken reads one text property, but the records have {keys.Count} ({string.Join(", ", keys)}); name the text with -FeatureProperty.");
        _notices.Add($"-Task NextToken: property '{column}' is the text; at every step the label is the next {(text.Split == TextTokens.Words ? "word" : "character")} (or the end of the text), and the vocabulary is fitted on the training records only.");
        return new RecordConverter(new RecordConverterOptions
        {
            LabelColumn = null,
            TextColumn = column,
            Text = new TextSettings(text.Split, text.SequenceLength, text.MaxTokens),
            Name = "records",
        });
    }

    /// <summary>Token ids with next-token labels (-Task NextToken), from the text dataset the converter made.</summary>
    private Dataset NextTokenData(Dataset ids)
    {
        var vocabulary = NextTokenLabels.VocabularyOf(ids.Preprocessor ?? _network.Preprocessor)
            ?? throw new InvalidConfigurationException($"-Task NextToken: the records of network '{_network.Name}' were not read as text.");
        return NextTokenLabels.Build(ids, vocabulary);
    }

    /// <summary>The one property a text network reads: -FeatureProperty (a single name), else the record's
    /// only property besides the label.</summary>
    private string TextProperty(RecordView first, string label)
    {
        if (_settings.FeatureProperties is { } given)
        {
            if (given.Count != 1)
                throw new InvalidConfigurationException($"Network '{_network.Name}' starts with TextVectorization and reads one text property, but -FeatureProperty names {given.Count}: {string.Join(", ", given)}.");
            return given[0];
        }
        var others = first.Keys.Where(k => !string.Equals(k, label, StringComparison.OrdinalIgnoreCase)).ToList();
        if (others.Count == 1) return others[0];
        throw new InvalidConfigurationException(others.Count == 0
            ? $"Record 1 has no property besides the label '{label}'; a text network needs a text property."
            : $"Network '{_network.Name}' starts with TextVectorization and reads one text property, but the records have {others.Count} besides the label '{label}' ({string.Join(", ", others)}); name the text with -FeatureProperty.");
    }

    /// <summary>Trains; reports to <paramref name="sink"/> on the calling thread; returns the history.
    /// Cancelling <paramref name="cancellation"/> stops after the current batch (the history so far is returned).</summary>
    public IReadOnlyList<TrainingHistoryEntry> Run(ITrainingSink sink, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_network.Layers.Count == 0)
            throw new InvalidConfigurationException($"Network '{_network.Name}' has no layers; add some with Add-Layer before training.");
        if (_settings.Options.Distributed is { Communicator.Rank: > 0 }) sink = SilentSink.Instance; // rank 0 speaks for the job
        foreach (var n in _notices) sink.Verbose(n);
        var (train, validation) = BuildDatasets(sink);
        AdoptEncoding(train);
        train = InputLayout.Fit(train, _network, sink.Verbose);
        if (validation is not null) validation = InputLayout.Fit(validation, _network, null);
        var options = _settings.Options; // owned by this command (the cmdlet builds a new one per call)
        if (validation is not null)
        {
            options.ValidationSplit = 0;
            options.ValidationData = validation;
        }
        var (classWeights, balanced) = ClassWeightParser.Resolve(_settings.ClassWeight, train.ClassNames ?? _network.ClassNames);
        options.ClassWeights = classWeights;
        options.BalanceClasses = balanced;

        string held = validation is not null ? $", validating on {validation.Count}"
            : options.ValidationSplit > 0 ? $", of which {options.ValidationSplit:P0} are held out for validation" : string.Empty;
        sink.Verbose($"Training '{_network.Name}' on {train.Count} samples{held}: " +
                     $"{options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} (learning rate {options.LearningRate}), loss {options.Loss ?? "Auto"}.");

        var run = TrainingRunInfo.From(options, _settings.Backend, train.Count, validation?.Count);
        var history = new List<TrainingHistoryEntry>();
        var clock = Stopwatch.StartNew();
        TimeSpan? lastProgress = null;
        string name = _network.Name;
        PipelineEventPump.Run<object?>(
            (post, token) =>
            {
                _engine.Train(_network, train, options, _settings.Backend,
                    onBatch: p =>
                    {
                        // Throttled here, on the worker, so a fast trainer does not flood the queue.
                        var now = clock.Elapsed;
                        if (p.Batch == p.Batches || lastProgress is null || now - lastProgress.Value >= ProgressInterval)
                        {
                            lastProgress = now;
                            post(TrainingText.Progress(name, p));
                        }
                    },
                    onEpoch: e => post(new TrainingHistoryEntry(name, e, run)),
                    onMessage: m => post(new VerboseMessage(m)),
                    token);
                return null;
            },
            e =>
            {
                switch (e)
                {
                    case ProgressInfo p: sink.Progress(p); break;
                    case TrainingHistoryEntry h:
                        history.Add(h);
                        sink.Verbose(TrainingText.EpochLine(h));
                        sink.Completed(h);
                        break;
                    case VerboseMessage m: sink.Verbose(m.Text); break;
                }
            },
            cancellation);
        if (cancellation.IsCancellationRequested)
            sink.Verbose($"Training stopped after {history.Count} complete epoch(s); the network keeps the weights of the last finished batch." +
                         (options.CheckpointDirectory is { } dir ? $" A checkpoint was written to '{dir}'; run again with -Resume to continue." : string.Empty));
        return history;
    }

    private sealed record VerboseMessage(string Text);

    /// <summary>The sink of ranks other than 0 in a distributed run: no history, progress or messages (rank 0
    /// reports the same run; errors that stop training still surface as errors).</summary>
    private sealed class SilentSink : ITrainingSink
    {
        public static readonly SilentSink Instance = new();
        public void Progress(ProgressInfo p) { }
        public void Completed(TrainingHistoryEntry epoch) { }
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void RecordRejected(RecordError error, object source) { }
    }

    private (Dataset Train, Dataset? Validation) BuildDatasets(ITrainingSink sink)
    {
        double split = _settings.Options.ValidationSplit;
        // The same stream the trainer splits a dataset with, so records and datasets split alike.
        var random = NeuralRandom.Derive(_settings.Options.Seed ?? _network.Seed, "split");
        Dataset train;
        Dataset? validation = null;
        if (_series is not null)
        {
            return BuildSeries(sink);
        }
        if (_dataset is not null)
        {
            train = _dataset; // a -ValidationSplit is left to the trainer
        }
        else if (_converter is not null)
        {
            if (_converter.Count == 0)
            {
                string why = _converter.FirstError is { } first ? $"all {_converter.Rejected} records were rejected; the first: {first.Message}" : "no records were given";
                throw new DataFormatException($"Invoke-Training has nothing to train on: {why}");
            }
            if (split > 0 && _settings.ValidationDataset is null && _settings.ValidationRecords is null)
                (train, validation) = ReusesEncoding ? _converter.ToDataset().Split(split, random) : _converter.ToDatasets(split, random);
            else
                train = _converter.ToDataset();
            foreach (var notice in _converter.Notices)
            {
                if (notice.IsWarning) sink.Warning(notice.Message);
                else sink.Verbose(notice.Message);
            }
        }
        else
        {
            throw new DataFormatException("Invoke-Training got no input: pipe records (Import-Csv data.csv | Invoke-Training ...) or a dataset (Get-NeuralDataset Iris | Invoke-Training ...).");
        }

        if (_settings.NextToken && _converter is not null)
        {
            train = NextTokenData(train);
            if (validation is not null) validation = NextTokenData(validation);
        }
        if (_settings.ValidationDataset is not null) validation = _settings.ValidationDataset;
        else if (_settings.ValidationRecords is not null)
        {
            AdoptEncoding(train);
            var converter = _settings.NextToken ? RecordConverter.ForPrediction(_network) : RecordConverter.ForEvaluation(_network, _converter?.LabelColumn ?? _settings.LabelProperty);
            long n = 0;
            foreach (var record in _settings.ValidationRecords)
            {
                n++;
                if (!converter.TryAdd(record, out var error, $"Validation record {n}")) sink.RecordRejected(error!, record.Source);
            }
            validation = converter.ToDataset();
            if (_settings.NextToken) validation = NextTokenData(validation);
        }
        return (train, validation);
    }

    /// <summary>Series mode: windows of the network's input length over the series, targets -Horizon steps
    /// ahead (and the network's further outputs the steps after), a validation part that is the end of the
    /// series in time order, and scaling fitted on the steps before it only.</summary>
    private (Dataset Train, Dataset? Validation) BuildSeries(ITrainingSink sink)
    {
        var series = _series!;
        if (series.Steps == 0) throw new DataFormatException("Invoke-Training has no series to train on: no step could be read.");
        var properties = series.Properties!;
        int features = properties.Count;
        var input = _network.InputShape;
        if (input[0] * features != input.Size)
            throw new InvalidConfigurationException($"Network '{_network.Name}' takes input {input}, which is not a window of steps of {features} value(s) ({string.Join(", ", properties)}); create it with -InputShape window,{features} (e.g. -InputShape 12,{features}).");
        int window = input[0], outputs = _network.OutputShape.Size;
        int horizon = _settings.Horizon ?? _network.Series?.Horizon ?? 1;
        if (_network.Series is { } existing && (existing.Horizon != horizon || !existing.Properties.SequenceEqual(properties, StringComparer.OrdinalIgnoreCase)))
            throw new InvalidConfigurationException($"Network '{_network.Name}' was trained on the series {string.Join(", ", existing.Properties)} with horizon {existing.Horizon}; continue with the same series and horizon.");
        if (_settings.ValidationDataset is not null)
            throw new InvalidConfigurationException($"A series is validated on a series: give -ValidationData its steps (Import-Csv rows with {string.Join(", ", properties)}, or numbers), not dataset '{_settings.ValidationDataset.Name}'; or use -ValidationSplit (the end of the series, in time order).");
        double split = _settings.Options.ValidationSplit;
        if (_settings.ValidationRecords is not null && split > 0)
            throw new InvalidConfigurationException("Give a series' validation part either as -ValidationData (a separate series) or as -ValidationSplit (the end of the training series), not both.");
        int steps = series.Steps, lead = window - 1 + horizon;
        int splitStep = split > 0 ? (int)Math.Floor((1 - split) * steps) : steps;
        if (splitStep - lead - (outputs - 1) < 1)
            throw new DataFormatException($"The series has {steps} steps; training on the first {splitStep} leaves no window of {window} steps with {outputs} target(s) {horizon} step(s) ahead (it needs at least {window + horizon + outputs - 1}).");
        var pre = _network.Series ?? SeriesPreprocessor.Fit(series.Values[..(splitStep * features)], properties, window, horizon);
        var all = pre.LabelledWindows(series.Values, outputs, "series");
        int trainCount = splitStep - lead - (outputs - 1);
        var trainRows = Enumerable.Range(0, trainCount).ToArray();
        Dataset train = all.Subset(trainRows).WithSampleShape(input);
        Dataset? validation = null;
        if (split > 0)
        {
            int first = Math.Max(0, splitStep - lead);
            if (first >= all.Count)
                throw new DataFormatException($"A validation split of {split} leaves no window whose target is in the last {steps - splitStep} of the series' {steps} steps.");
            validation = all.Subset(Enumerable.Range(first, all.Count - first).ToArray()).WithSampleShape(input);
        }
        else if (_settings.ValidationRecords is not null)
        {
            // A separate series (e.g. the later years): its own windows, scaled with the training steps' scaling.
            var held = new SeriesInput(properties);
            foreach (var record in _settings.ValidationRecords)
            {
                var error = held.Add(record);
                if (error is not null) sink.RecordRejected(error with { Message = "-ValidationData: " + error.Message }, record.Source);
            }
            int needed = lead + outputs;
            if (held.Steps < needed)
                throw new DataFormatException($"-ValidationData has {held.Steps} usable step(s); a validation window of {window} steps with {outputs} target(s) {horizon} step(s) ahead needs at least {needed}: include the {lead} steps before the first validation target.");
            validation = pre.LabelledWindows(held.Values, outputs, "validation series").WithSampleShape(input);
        }
        _network.Series = pre;
        sink.Verbose($"Series of {steps} steps ({string.Join(", ", properties)}; '{properties[0]}' is forecast): each window of {window} steps forecasts {(outputs == 1 ? $"the step {horizon} after it" : $"{outputs} steps from the {horizon}. after it")}; " +
                     $"{train.Count} training windows (steps 1-{splitStep}, scaling fitted on them only)" +
                     (validation is null ? "." : split > 0 ? $", {validation.Count} validation windows with targets after step {splitStep} (time order kept)." : $", {validation.Count} validation windows from the -ValidationData series."));
        return (train, validation);
    }

    /// <summary>The network keeps how its inputs were encoded (feature columns, scaling, class names),
    /// so prediction on raw rows works after training and after a reload.</summary>
    private void AdoptEncoding(Dataset train)
    {
        if (_network.Preprocessor is null && train.Preprocessor is not null) _network.Preprocessor = train.Preprocessor;
        // A replaced output layer (its size no longer matches the class names): the classes of this training data
        // name it from now on, fitted from the records (ForNewClasses) or the dataset's own.
        if (RecordConverter.HeadNoLongerMatchesClasses(_network) && train.ClassNames is { } fitted)
        {
            int outputs = _network.OutputShape.Size;
            if (fitted.Count > outputs && !(outputs == 1 && fitted.Count <= 2))
                throw new InvalidConfigurationException(
                    $"Network '{_network.Name}' has a new output layer of {outputs} units, but the training data has {fitted.Count} classes ({string.Join(", ", fitted.Take(12))}{(fitted.Count > 12 ? ", …" : "")}); give the output layer {fitted.Count} units.");
            _network.ClassNames = fitted;
        }
        if (_network.ClassNames is null && train.ClassNames is not null) _network.ClassNames = train.ClassNames;
    }
}

/// <summary>The seam between the command and the engine's trainer (tests substitute a scripted one).</summary>
internal interface ITrainingEngine
{
    void Train(Network network, Dataset train, TrainingOptions options, string backend,
        Action<BatchProgress> onBatch, Action<EpochResult> onEpoch, Action<string> onMessage, CancellationToken cancellation);
}
