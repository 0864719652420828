using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>A command that collects pipeline input (records or whole datasets) before it runs:
/// training and evaluation take their input the same way.</summary>
internal interface IRecordSink
{
    /// <summary>Adds one record; returns the reason it was skipped, or null.</summary>
    RecordError? AddRecord(RecordView record);

    void AddDataset(Dataset dataset);
}
