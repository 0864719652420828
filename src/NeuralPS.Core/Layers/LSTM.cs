using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>Long short-term memory, as torch.nn.LSTM: gates i, f, g, o (the row blocks of weight_ih/weight_hh, in that order);
/// i, f, o = σ(x·W_iᵀ + b_i + h₋·W_hᵀ + b_h), g = tanh(·), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t).
/// Input (batch, time, features); see <see cref="RecurrentLayer"/> for the output, parameters and spec keys
/// (units, returnSequences, bidirectional, useBias, maskZeroSteps).</summary>
public sealed class LSTM : RecurrentLayer
{
    public LSTM(int units, bool returnSequences = false, bool bidirectional = false, bool useBias = true, string? name = null,
        bool maskZeroSteps = false)
        : base(units, returnSequences, bidirectional, useBias, maskZeroSteps, name) { }

    public override string Type => "LSTM";
    public override RecurrentCellKind Cell => RecurrentCellKind.LSTM;

    public static Layer FromSpec(LayerSpec spec)
    {
        var (units, sequences, bidirectional, useBias, mask, name) = ReadSpec(spec);
        return new LSTM(units, sequences, bidirectional, useBias, name, mask);
    }
}
