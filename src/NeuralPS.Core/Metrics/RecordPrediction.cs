using NeuralPS.Core.Data;

namespace NeuralPS.Core.Metrics;

/// <summary>The outcome for one input record: a prediction, or the error that kept the record from being read.</summary>
public sealed record RecordPrediction(int Index, Prediction? Prediction, RecordError? Error)
{
    public bool Succeeded => Prediction is not null;
}
