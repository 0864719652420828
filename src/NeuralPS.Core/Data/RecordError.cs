namespace NeuralPS.Core.Data;

/// <summary>Why one record could not be converted. The converter skips the record and hands this
/// back; the cmdlet writes it as a non-terminating error with the record as target.</summary>
/// <param name="RecordNumber">1-based position of the record in the input (CSV: the line number).</param>
/// <param name="Column">The property/column at fault, or null when the record as a whole is.</param>
/// <param name="Value">The offending value (null when missing).</param>
/// <param name="Message">A complete sentence naming the record and the property.</param>
public sealed record RecordError(long RecordNumber, string? Column, object? Value, string Message)
{
    public override string ToString() => Message;
}
