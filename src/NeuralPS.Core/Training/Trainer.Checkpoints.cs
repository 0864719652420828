using System.Globalization;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Checkpoints and resume. A checkpoint is written at the end of every epoch, every
/// <see cref="TrainingOptions.CheckpointEvery"/> batches, and when training is cancelled (after the
/// batch completes). With <see cref="TrainingOptions.Resume"/>, Fit first looks for last.npsc: the
/// network's architecture, the settings and the data must match what the checkpoint was written for
/// (each difference is named in a <see cref="CheckpointMismatchException"/>); then weights, optimizer,
/// schedule, early stopping, random stream, position and history are put back and the loop continues
/// with the next batch, computing exactly what the uninterrupted run would have.</summary>
public sealed partial class Trainer
{
    private CheckpointStore? _checkpoints;
    private string _trainFingerprint = string.Empty, _validationFingerprint = string.Empty;
    private bool _resumeChecked;

    /// <summary>The checkpoint folder (null without -CheckpointPath).</summary>
    public CheckpointStore? Checkpoints => _checkpoints;

    /// <summary>Raised after each checkpoint is written, with the path of last.npsc.</summary>
    public event Action<string>? CheckpointWritten;

    private void ConfigureCheckpoints()
    {
        if (Options.CheckpointEvery < 0)
            throw new InvalidConfigurationException($"CheckpointEvery must be 0 (epoch ends only) or a number of batches but is {Options.CheckpointEvery}.");
        if (Options.CheckpointDirectory is { } dir) _checkpoints = new CheckpointStore(dir);
        else if (Options.Resume || Options.CheckpointEvery > 0)
            throw new InvalidConfigurationException("Resume and CheckpointEvery need a checkpoint folder (-CheckpointPath).");
    }

    private void PrepareCheckpoints(Dataset train, Dataset? validation, int trainSamples)
    {
        if (_checkpoints is null) return;
        _trainFingerprint = DataFingerprint.Of(train);
        _validationFingerprint = DataFingerprint.Of(Options.ValidationData);
        if (!Options.Resume || _resumeChecked) return;
        _resumeChecked = true;
        if (_comm is not null)
        {
            // Distributed: rank 0 reads the file and every rank decodes the same bytes.
            byte[]? file = ReadLastCheckpointOnRoot();
            if (file is null)
            {
                Say($"No checkpoint in '{_checkpoints.Directory}' yet: training starts fresh.");
                return;
            }
            using var stream = new MemoryStream(file, writable: false);
            Resume(trainSamples, CheckpointFile.Read(stream, _checkpoints.LastPath));
            return;
        }
        if (!_checkpoints.HasLast)
        {
            Say($"No checkpoint in '{_checkpoints.Directory}' yet: training starts fresh.");
            return;
        }
        Resume(trainSamples, _checkpoints.ReadLast());
    }

    /// <summary>The settings a resumed run must share with the checkpoint (Epochs may grow).</summary>
    private List<(string Name, string Value)> Settings()
    {
        var o = Options;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return new List<(string, string)>
        {
            ("Seed", State.Seed.ToString(CultureInfo.InvariantCulture)),
            ("BatchSize", o.BatchSize.ToString(CultureInfo.InvariantCulture)),
            ("Optimizer", Optimizer.Name),
            ("LearningRate", F(o.LearningRate)),
            ("Momentum", F(o.Momentum)),
            ("Nesterov", o.Nesterov.ToString()),
            ("WeightDecay", F(o.WeightDecay)),
            ("Beta1", F(o.Beta1)), ("Beta2", F(o.Beta2)), ("Epsilon", F(o.Epsilon)), ("Rho", F(o.Rho)),
            ("Loss", Loss?.Name ?? "Auto"),
            ("ValidationSplit", F(o.ValidationSplit)),
            ("Shuffle", o.Shuffle.ToString()),
            ("Schedule", o.Schedule?.Describe() ?? "None"),
            ("ClipNorm", o.ClipNorm is double n ? F(n) : "None"),
            ("ClipValue", o.ClipValue is double v ? F(v) : "None"),
            ("AccumulationSteps", o.AccumulationSteps.ToString(CultureInfo.InvariantCulture)),
            ("ClassWeights", Loss?.ClassWeights is { } w ? string.Join(",", w.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) : "None"),
            ("EarlyStopping", o.EarlyStopping?.Describe() ?? "None"),
        };
    }

    private void WriteCheckpoint(bool best)
    {
        if (_checkpoints is null || Rank != 0) return; // distributed: rank 0 writes for all (the ranks are identical)
        var checkpoint = new TrainingCheckpoint
        {
            Epoch = State.Epoch,
            BatchInEpoch = State.BatchInEpoch,
            Step = State.Step,
            EpochLossSum = State.EpochLossSum,
            EpochMetricSum = State.EpochMetricSum,
            EpochMetricCount = State.EpochMetricCount,
            EpochSamples = State.EpochSamples,
            DropoutRandomState = State.DropoutRandom.GetState(),
            OptimizerName = Optimizer.Name,
            OptimizerSteps = Optimizer.StepCount,
            LearningRate = Optimizer.LearningRate,
            OptimizerState = Optimizer.State,
            ScheduleState = Options.Schedule?.GetState() ?? Array.Empty<double>(),
            EarlyStoppingState = _best.GetState(),
            BestWeights = _bestWeights ?? Array.Empty<float[]>(),
            PendingGradients = _pendingBatches > 0 ? _accumulated!.Select(t => t.ToArray()).ToArray() : Array.Empty<float[]>(),
            PendingBatches = _pendingBatches,
            Settings = Settings(),
            TrainingData = _trainFingerprint,
            ValidationData = _validationFingerprint,
            History = State.History.ToArray(),
            StopReason = State.StopReason,
        };
        _checkpoints.Write(Network, checkpoint, best);
        CheckpointWritten?.Invoke(_checkpoints.LastPath);
    }

    private void Resume(int trainSamples, (Network Network, TrainingCheckpoint Checkpoint) read)
    {
        var store = _checkpoints!;
        var (saved, c) = read;
        string file = store.LastPath;

        // 1. Refuse anything that would make the continuation differ from the uninterrupted run.
        if (ArchitectureComparison.FirstDifference(Network, saved) is { } arch)
            throw new CheckpointMismatchException($"The checkpoint '{file}' was written for another network: {arch}. Use another -CheckpointPath, or delete the checkpoint to start over.");
        if (c.TrainingData != _trainFingerprint)
            throw new CheckpointMismatchException($"The checkpoint '{file}' was written for other training data: it was {c.TrainingData}, this run has {_trainFingerprint}. Use another -CheckpointPath, or delete the checkpoint to start over.");
        if (c.ValidationData != _validationFingerprint)
            throw new CheckpointMismatchException($"The checkpoint '{file}' was written for other validation data: it was {c.ValidationData}, this run has {_validationFingerprint}.");
        var mine = Settings().ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        foreach (var (name, value) in c.Settings)
        {
            if (!mine.TryGetValue(name, out var now))
                throw new CheckpointMismatchException($"The checkpoint '{file}' has a setting '{name}' that this NeuralPS does not know.");
            if (now != value)
                throw new CheckpointMismatchException($"The checkpoint '{file}' was written with {name} {value} but this run has {name} {now}; resume with the same settings, or use another -CheckpointPath.");
        }
        if (c.Settings.Count != mine.Count)
            throw new CheckpointMismatchException($"The checkpoint '{file}' records {c.Settings.Count} settings but this run has {mine.Count}; it was written by another version of NeuralPS.");
        if (c.OptimizerName != Optimizer.Name)
            throw new CheckpointMismatchException($"The checkpoint '{file}' holds {c.OptimizerName} state but this run uses {Optimizer.Name}.");
        int batchSize = Math.Min(Options.BatchSize, trainSamples);
        int batches = (trainSamples + batchSize - 1) / batchSize;
        if (c.BatchInEpoch > batches)
            throw new ModelFileException($"Checkpoint '{file}' is corrupt: it is at batch {c.BatchInEpoch} of an epoch of {batches} batches.");

        // 2. Everything checked: put the state back (nothing above has changed the trainer).
        Optimizer.RestoreState(c.OptimizerSteps, c.OptimizerState);
        var from = SavedWeights(saved).ToList();
        int i = 0;
        foreach (var t in WeightTensors()) from[i++].Span.CopyTo(t.Span);
        Network.EpochsTrained = saved.EpochsTrained;
        Network.Preprocessor ??= saved.Preprocessor;
        Network.ClassNames ??= saved.ClassNames;
        Optimizer.LearningRate = c.LearningRate;
        Options.Schedule?.SetState(c.ScheduleState);
        _best.SetState(c.EarlyStoppingState);
        _bestWeights = c.BestWeights.Count > 0 ? c.BestWeights.ToArray() : null;
        if (c.PendingBatches > 0)
        {
            var ps = Optimizer.Parameters;
            if (c.PendingGradients.Count != ps.Count)
                throw new ModelFileException($"Checkpoint '{file}' is corrupt: it holds {c.PendingGradients.Count} pending gradients for {ps.Count} parameters.");
            _accumulated = new Tensor[ps.Count];
            for (int p = 0; p < ps.Count; p++)
            {
                if (c.PendingGradients[p].Length != ps[p].Shape.Size)
                    throw new ModelFileException($"Checkpoint '{file}' is corrupt: a pending gradient has {c.PendingGradients[p].Length} values for {ps[p].Shape}.");
                _accumulated[p] = new Tensor(ps[p].Shape, c.PendingGradients[p]);
            }
        }
        _pendingBatches = c.PendingBatches;
        State.Restore(c.Epoch, c.BatchInEpoch, c.Step, c.DropoutRandomState);
        State.EpochLossSum = c.EpochLossSum;
        State.EpochMetricSum = c.EpochMetricSum;
        State.EpochMetricCount = c.EpochMetricCount;
        State.EpochSamples = c.EpochSamples;
        State.History.Clear();
        State.History.AddRange(c.History);
        State.StopReason = c.StopReason;
        Say(c.StopReason is not null
            ? $"The checkpoint '{file}' is of a run that stopped early after epoch {c.Epoch}; there is nothing left to train."
            : $"Resumed from '{file}': epoch {c.Epoch + 1}, batch {c.BatchInEpoch + 1} ({c.Step} batches done before).");
    }

    private static IEnumerable<Tensor> SavedWeights(Network saved)
    {
        foreach (var layer in saved.Layers)
        {
            foreach (var p in layer.Parameters) yield return p.Value;
            foreach (var (_, b) in layer.Buffers) yield return b;
        }
    }
}
