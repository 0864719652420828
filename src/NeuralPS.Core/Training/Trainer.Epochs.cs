namespace NeuralPS.Core.Training;

/// <summary>The end of an epoch: the schedule hears the monitored metric, the best epoch is tracked (its
/// weights kept when early stopping restores them), early stopping decides, a checkpoint is written.</summary>
public sealed partial class Trainer
{
    // Tracks the best epoch: early stopping's tracker, or (without it) one that never stops, so the
    // history and best.npsc name the best epoch either way.
    private EarlyStopping _best = null!;
    private EarlyStopping? _earlyStopping;
    private float[][]? _bestWeights;

    /// <summary>Messages for -Verbose (resumed from a checkpoint, stopped early, restored the best epoch).</summary>
    public event Action<string>? Message;

    private void Say(string message) => Message?.Invoke(message);

    private void ConfigureEpochs()
    {
        _earlyStopping = Options.EarlyStopping is { } es ? new EarlyStopping(es) : null;
        _best = _earlyStopping ?? new EarlyStopping(new EarlyStoppingOptions { Patience = int.MaxValue, RestoreBestWeights = false });
    }

    private bool KeepsBestWeights => _earlyStopping?.Options.RestoreBestWeights == true;

    private EpochResult EndEpoch(EpochResult result)
    {
        if (Options.Schedule is { } schedule)
        {
            double? monitored = schedule is Schedules.ReduceOnPlateau p ? p.Metric.ValueOf(result) : null;
            schedule.EpochEnded(State.Epoch - 1, monitored);
        }
        bool improved = _best.EpochEnded(result);
        if (improved && KeepsBestWeights) SnapshotBest();
        bool stopEarly = _earlyStopping?.ShouldStop == true;
        string? stop = stopEarly ? "EarlyStopping" : State.Epoch >= Options.Epochs ? "Completed" : null;
        if (stopEarly)
        {
            State.StopReason = "EarlyStopping";
            Say($"Early stopping after epoch {State.Epoch}: {_best.Metric.Name} has not improved by more than {_best.Options.MinDelta} for {_best.EpochsWithoutImprovement} epoch(s); the best was {_best.BestValue:G6} in epoch {_best.BestEpoch}.");
        }
        if (stop is not null && KeepsBestWeights && _best.BestEpoch > 0 && _best.BestEpoch != State.Epoch)
        {
            RestoreBest();
            Say($"The network now holds the weights of epoch {_best.BestEpoch}, the best by {_best.Metric.Name} ({_best.BestValue:G6}).");
        }
        result = result with { BestEpoch = _best.BestEpoch > 0 ? _best.BestEpoch : null, StopReason = stop };
        State.History.Add(result);
        WriteCheckpoint(best: improved);
        return result;
    }

    // Parameters then buffers, layer by layer: the order of the model file's weights.
    private IEnumerable<Tensors.Tensor> WeightTensors()
    {
        foreach (var layer in Network.Layers)
        {
            foreach (var p in layer.Parameters) yield return p.Value;
            foreach (var (_, b) in layer.Buffers) yield return b;
        }
    }

    private void SnapshotBest() => _bestWeights = WeightTensors().Select(t => t.ToArray()).ToArray();

    private void RestoreBest()
    {
        if (_bestWeights is null) return;
        int i = 0;
        foreach (var t in WeightTensors()) _bestWeights[i++].CopyTo(t.Span);
    }
}
