using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>The production <see cref="ITrainingEngine"/>: the engine's <see cref="Trainer"/> on the
/// selected backend. The trainer checks cancellation after each batch, completes that batch and
/// throws OperationCanceledException; here that is a clean stop, not an error (the trainer has already
/// written a checkpoint when a checkpoint folder is set).</summary>
internal sealed class CoreTrainingEngine : ITrainingEngine
{
    public static CoreTrainingEngine Instance { get; } = new();

    public void Train(Network network, Dataset train, TrainingOptions options, string backend,
        Action<BatchProgress> onBatch, Action<EpochResult> onEpoch, Action<string> onMessage, CancellationToken cancellation)
    {
        var trainer = new Trainer(network, options, BackendRegistry.Select(backend, onMessage));
        trainer.BatchCompleted += onBatch;
        trainer.Message += onMessage;
        trainer.CheckpointWritten += path => onMessage($"Checkpoint written: {path}");
        var world = options.Distributed?.Communicator;
        try
        {
            var run = trainer.Fit(train, cancellation); // a resume happens here, before the first epoch
            // The epochs a resumed run finished before are history too (so a report shows the whole run).
            foreach (var restored in trainer.State.History) onEpoch(restored with { FromCheckpoint = true });
            try
            {
                foreach (var epoch in run) onEpoch(epoch);
            }
            catch (Exception e) when (world is { Size: > 1 } && e is not OperationCanceledException)
            {
                // A failure inside the loop may be this rank's alone (a full disk on rank 0, a lost node); the other
                // ranks would wait in the next all-reduce for ever. End the job, as mpirun ends it when a rank dies.
                // (Errors before the loop — settings, data, a checkpoint that does not fit — are the same on every
                // rank and are reported normally.) The PowerShell error stream dies with the process: stderr.
                Console.Error.WriteLine($"NeuralPS rank {world.Rank} of {world.Size}: {e.Message} Ending the MPI job.");
                world.Abort(1);
                throw;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested || world is not null)
        {
            // Distributed: the ranks agree to stop after a batch when any of them is cancelled.
        }
    }
}
