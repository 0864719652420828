using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>Gated recurrent unit, as torch.nn.GRU (and cuDNN): gates r, z, n (row blocks of weight_ih/weight_hh, in that order);
/// r, z = σ(x·W_iᵀ + b_i + h₋·W_hᵀ + b_h), n = tanh(x·W_inᵀ + b_in + r⊙(h₋·W_hnᵀ + b_hn)) — the reset gate is applied
/// after the hidden matmul — and h_t = (1−z)⊙n + z⊙h_{t−1}.
/// Input (batch, time, features); see <see cref="RecurrentLayer"/> for the output, parameters and spec keys
/// (units, returnSequences, bidirectional, useBias, maskZeroSteps).</summary>
public sealed class GRU : RecurrentLayer
{
    public GRU(int units, bool returnSequences = false, bool bidirectional = false, bool useBias = true, string? name = null,
        bool maskZeroSteps = false)
        : base(units, returnSequences, bidirectional, useBias, maskZeroSteps, name) { }

    public override string Type => "GRU";
    public override RecurrentCellKind Cell => RecurrentCellKind.GRU;

    public static Layer FromSpec(LayerSpec spec)
    {
        var (units, sequences, bidirectional, useBias, mask, name) = ReadSpec(spec);
        return new GRU(units, sequences, bidirectional, useBias, name, mask);
    }
}
