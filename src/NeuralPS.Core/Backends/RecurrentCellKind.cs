namespace NeuralPS.Core.Backends;

/// <summary>The recurrent cells, with PyTorch's gate layout (the rows of weight_ih / weight_hh):
/// SimpleRNN one block (h = tanh(·)); LSTM four blocks i, f, g, o; GRU three blocks r, z, n with the
/// reset gate applied after the hidden matmul (n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))), as
/// PyTorch and cuDNN do.</summary>
public enum RecurrentCellKind
{
    SimpleRNN,
    LSTM,
    GRU,
}

public static class RecurrentCells
{
    /// <summary>Gate blocks of units rows each in weight_ih / weight_hh: 1, 4 or 3.</summary>
    public static int GateCount(RecurrentCellKind cell) => cell switch
    {
        RecurrentCellKind.SimpleRNN => 1,
        RecurrentCellKind.LSTM => 4,
        RecurrentCellKind.GRU => 3,
        _ => throw new InvalidConfigurationException($"Unknown recurrent cell {cell}."),
    };

    /// <summary>Blocks of units values that a step keeps per sample for backward in the gates cache:
    /// none for SimpleRNN (tanh′ comes from h), i,f,g,o for LSTM, r,z,n and W_hn·h + b_hn for GRU.</summary>
    public static int CachedGateCount(RecurrentCellKind cell) => cell switch
    {
        RecurrentCellKind.SimpleRNN => 0,
        RecurrentCellKind.LSTM => 4,
        RecurrentCellKind.GRU => 4,
        _ => throw new InvalidConfigurationException($"Unknown recurrent cell {cell}."),
    };
}
