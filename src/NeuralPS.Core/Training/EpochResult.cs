namespace NeuralPS.Core.Training;

/// <summary>One row of the training history (one per epoch, emitted as pipeline output by Invoke-Training).
/// Metric is accuracy for classification and MAE for regression (see <see cref="MetricName"/>).
/// LearningRate is the rate of the epoch's last update. BestEpoch is the best epoch so far by the
/// monitored metric (with early stopping or checkpoints); StopReason is set on the last epoch of a run
/// that ended: "Completed" or "EarlyStopping". FromCheckpoint marks an epoch trained before a resume
/// (restored from the checkpoint's history, not trained again).</summary>
public sealed record EpochResult(
    int Epoch,
    int Epochs,
    double Loss,
    string MetricName,
    double Metric,
    double? ValidationLoss,
    double? ValidationMetric,
    TimeSpan Duration,
    double SamplesPerSecond,
    double LearningRate,
    int? BestEpoch = null,
    string? StopReason = null,
    bool FromCheckpoint = false);

/// <summary>Progress after one batch (Write-Progress is fed from this). Epoch and Batch count from 1;
/// Loss is the running mean over the epoch's batches so far; Elapsed is the time since Fit started and
/// EstimatedRemaining extrapolates it over the batches left in the whole run.</summary>
public sealed record BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, TimeSpan Elapsed, TimeSpan EstimatedRemaining);
