using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>Elman recurrent layer, as torch.nn.RNN (tanh): h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh).
/// Input (batch, time, features); see <see cref="RecurrentLayer"/> for the output, parameters and spec keys
/// (units, returnSequences, bidirectional, useBias, maskZeroSteps).</summary>
public sealed class SimpleRNN : RecurrentLayer
{
    public SimpleRNN(int units, bool returnSequences = false, bool bidirectional = false, bool useBias = true, string? name = null,
        bool maskZeroSteps = false)
        : base(units, returnSequences, bidirectional, useBias, maskZeroSteps, name) { }

    public override string Type => "SimpleRNN";
    public override RecurrentCellKind Cell => RecurrentCellKind.SimpleRNN;

    public static Layer FromSpec(LayerSpec spec)
    {
        var (units, sequences, bidirectional, useBias, mask, name) = ReadSpec(spec);
        return new SimpleRNN(units, sequences, bidirectional, useBias, name, mask);
    }
}
