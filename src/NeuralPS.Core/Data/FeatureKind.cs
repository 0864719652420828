namespace NeuralPS.Core.Data;

/// <summary>How a record column becomes network input.</summary>
public enum FeatureKind
{
    /// <summary>One input: the number, standardised with statistics fitted on the training data.</summary>
    Numeric,

    /// <summary>One input per category seen in training (one-hot, 1 for the row's category, else 0).</summary>
    Categorical,

    /// <summary>Text: SequenceLength inputs, the token ids of a vocabulary fitted on the training records
    /// (<see cref="TextVectorizer"/>); not standardised.</summary>
    Text,
}
