using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets.Tests.Support;

/// <summary>An ITrainingSink that records what a cmdlet would write, and on which thread.</summary>
internal sealed class RecordingSink : ITrainingSink
{
    public List<ProgressInfo> Progresses { get; } = new();
    public List<TrainingHistoryEntry> Epochs { get; } = new();
    public List<string> VerboseLines { get; } = new();
    public List<(RecordError Error, object Source)> Rejected { get; } = new();
    public HashSet<int> Threads { get; } = new();
    public Action<TrainingHistoryEntry>? OnEpoch { get; set; }

    public void Progress(ProgressInfo progress)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Progresses.Add(progress);
    }

    public void Completed(TrainingHistoryEntry epoch)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Epochs.Add(epoch);
        OnEpoch?.Invoke(epoch);
    }

    public void Verbose(string message)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        VerboseLines.Add(message);
    }

    public List<string> Warnings { get; } = new();

    public void Warning(string message)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Warnings.Add(message);
    }

    public void RecordRejected(RecordError error, object source)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Rejected.Add((error, source));
    }
}
