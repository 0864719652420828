using System.Collections.Concurrent;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Runs long work on a worker thread while the calling thread — the PowerShell pipeline
/// thread, the only one allowed to call WriteObject/WriteProgress/WriteVerbose — handles the events
/// the work posts, in order, as they arrive. So the trainer may raise its callbacks from any thread.
/// If the handler throws (PowerShell throws PipelineStoppedException from WriteObject after Ctrl+C),
/// the work is cancelled, awaited, and the handler's exception is rethrown.</summary>
internal static class PipelineEventPump
{
    public static T Run<T>(Func<Action<object>, CancellationToken, T> work, Action<object> handle, CancellationToken cancellation)
    {
        using var queue = new BlockingCollection<object>();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var worker = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return work(e => queue.Add(e), linked.Token);
                }
                finally
                {
                    queue.CompleteAdding();
                }
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var e in queue.GetConsumingEnumerable()) handle(e);
        }
        catch
        {
            linked.Cancel();
            try
            {
                worker.Wait();
            }
            catch (AggregateException)
            {
                // The handler's exception is the one to report.
            }
            throw;
        }
        return worker.GetAwaiter().GetResult();
    }
}
