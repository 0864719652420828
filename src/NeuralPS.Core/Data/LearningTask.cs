namespace NeuralPS.Core.Data;

/// <summary>What the label column means.
/// <see cref="Auto"/> decides from the label values once all records are in: regression when every
/// label is a number and either some label has a fractional part or there are more than
/// <see cref="RecordConverter.AutoClassificationMaxClasses"/> distinct values; otherwise classification
/// (text labels, or a few distinct integers such as 0/1/2).</summary>
public enum LearningTask
{
    Auto,
    Classification,
    Regression,
}
