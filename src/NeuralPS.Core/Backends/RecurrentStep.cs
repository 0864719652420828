using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Where one time step of a recurrent cell reads and writes, for the whole batch (batch rows,
/// units columns per gate block, G = gate blocks). Offsets and strides are in elements of the tensors'
/// storage, so a step addresses its slice of whole-sequence buffers without a view object per step.
///   InputProjection  — forward: x_t·W_ihᵀ (no bias), row b at InputOffset + b·InputStride, G·units values;
///                      backward: receives dLoss/d(x_t·W_ihᵀ + b_ih) at the same place.
///   HiddenProjection — forward: h_{t−1}·W_hhᵀ (no bias), batch × G·units contiguous from HiddenOffset;
///                      backward: receives dLoss/d(h_{t−1}·W_hhᵀ + b_hh) there.
///   Hidden, CellState — (steps + 1) slots of batch × units: the previous state at PreviousOffset, the new
///                      one at StateOffset (slot 0 holds the zero initial state).
///   Gates            — the cache backward needs (see RecurrentCells.CachedGateCount), batch rows from GatesOffset.
///   Output           — forward, optional: h_t is also written here, row b at OutputOffset + b·OutputStride
///                      (the layer's (batch, time, units) output, or its last-step output).
///   OutputGradient   — backward, optional: dLoss/dh_t from above, row b at OutputGradientOffset + b·OutputGradientStride.
///   HiddenGradient / CellGradient — backward only, batch × units: in, dLoss/dh_t (dLoss/dc_t) from step t+1;
///                      out, dLoss/dc_{t−1} and the part of dLoss/dh_{t−1} that does not pass through W_hh
///                      (GRU's z ⊙ dh; zero for the others; all of dh for a masked sample), to which the caller
///                      adds dHiddenProjection·W_hh (GEMM with beta 1).
///   Mask             — optional: sample b takes part in this step when Mask[MaskOffset + b·MaskStride] ≠ 0;
///                      a masked sample keeps its state (h_t = h_{t−1}, c_t = c_{t−1}), its projections'
///                      gradients are zero, and its Output row is zeros when ZeroMaskedOutput (a padded step
///                      of a sequence output, as PyTorch's packed sequences) or the kept state otherwise.</summary>
public readonly struct RecurrentStep
{
    public RecurrentCellKind Cell { get; init; }
    public int Batch { get; init; }
    public int Units { get; init; }
    public Tensor InputProjection { get; init; }
    public int InputOffset { get; init; }
    public int InputStride { get; init; }
    public Tensor HiddenProjection { get; init; }
    public int HiddenOffset { get; init; }
    public Tensor? BiasIH { get; init; }
    public Tensor? BiasHH { get; init; }
    public Tensor Hidden { get; init; }
    public Tensor? CellState { get; init; }
    public int PreviousOffset { get; init; }
    public int StateOffset { get; init; }
    public Tensor? Gates { get; init; }
    public int GatesOffset { get; init; }
    public Tensor? Output { get; init; }
    public int OutputOffset { get; init; }
    public int OutputStride { get; init; }
    public Tensor? OutputGradient { get; init; }
    public int OutputGradientOffset { get; init; }
    public int OutputGradientStride { get; init; }
    public Tensor? Mask { get; init; }
    public int MaskOffset { get; init; }
    public int MaskStride { get; init; }
    public bool ZeroMaskedOutput { get; init; }
    public Tensor? HiddenGradient { get; init; }
    public Tensor? CellGradient { get; init; }
}
