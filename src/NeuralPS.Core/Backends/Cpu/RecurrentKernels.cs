using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The fused element-wise part of one recurrent step, per sample (see <see cref="RecurrentStep"/>
/// for the buffers). Forward adds the two projections and both biases, applies the gate non-linearities
/// (TensorPrimitives on whole gate blocks) and updates the state; backward is the chain rule of the same
/// formulas, reading the cached gates. Shapes were checked by the caller.
///   SimpleRNN: h = tanh(a), a = x·W_ihᵀ + b_ih + h₋·W_hhᵀ + b_hh
///   LSTM:      i, f, o = σ(·), g = tanh(·); c = f⊙c₋ + i⊙g; h = o⊙tanh(c)
///   GRU:       r, z = σ(·); hn = h₋·W_hnᵀ + b_hn; n = tanh(x·W_inᵀ + b_in + r⊙hn); h = (1−z)⊙n + z⊙h₋</summary>
internal static class RecurrentKernels
{
    public static void Forward(in RecurrentStep s)
    {
        int units = s.Units, gh = RecurrentCells.GateCount(s.Cell) * units;
        ReadOnlySpan<float> bih = s.BiasIH is null ? default : s.BiasIH.Span;
        ReadOnlySpan<float> bhh = s.BiasHH is null ? default : s.BiasHH.Span;
        float[] p = s.InputProjection.Data, q = s.HiddenProjection.Data, h = s.Hidden.Data;
        for (int b = 0; b < s.Batch; b++)
        {
            var xp = new ReadOnlySpan<float>(p, s.InputOffset + b * s.InputStride, gh);
            var hp = new ReadOnlySpan<float>(q, s.HiddenOffset + b * gh, gh);
            var hPrev = new ReadOnlySpan<float>(h, s.PreviousOffset + b * units, units);
            var hNew = new Span<float>(h, s.StateOffset + b * units, units);
            if (s.Mask is not null && s.Mask.Data[s.MaskOffset + b * s.MaskStride] == 0f)
            {
                hPrev.CopyTo(hNew);
                if (s.CellState is not null)
                    new ReadOnlySpan<float>(s.CellState.Data, s.PreviousOffset + b * units, units)
                        .CopyTo(new Span<float>(s.CellState.Data, s.StateOffset + b * units, units));
                if (s.Output is not null)
                {
                    var row = new Span<float>(s.Output.Data, s.OutputOffset + b * s.OutputStride, units);
                    if (s.ZeroMaskedOutput) row.Clear();
                    else hNew.CopyTo(row);
                }
                continue;
            }
            switch (s.Cell)
            {
                case RecurrentCellKind.SimpleRNN:
                    SumOf(xp, hp, bih, bhh, 0, units, hNew);
                    TensorPrimitives.Tanh(hNew, hNew);
                    break;
                case RecurrentCellKind.LSTM:
                {
                    var a = new Span<float>(s.Gates!.Data, s.GatesOffset + b * 4 * units, 4 * units);
                    SumOf(xp, hp, bih, bhh, 0, 4 * units, a);
                    TensorPrimitives.Sigmoid(a[..(2 * units)], a[..(2 * units)]);
                    TensorPrimitives.Tanh(a.Slice(2 * units, units), a.Slice(2 * units, units));
                    TensorPrimitives.Sigmoid(a.Slice(3 * units, units), a.Slice(3 * units, units));
                    var cPrev = new ReadOnlySpan<float>(s.CellState!.Data, s.PreviousOffset + b * units, units);
                    var cNew = new Span<float>(s.CellState.Data, s.StateOffset + b * units, units);
                    for (int j = 0; j < units; j++)
                    {
                        float c = a[units + j] * cPrev[j] + a[j] * a[2 * units + j];
                        cNew[j] = c;
                        hNew[j] = c; // tanh below
                    }
                    TensorPrimitives.Tanh(hNew, hNew);
                    for (int j = 0; j < units; j++) hNew[j] *= a[3 * units + j];
                    break;
                }
                case RecurrentCellKind.GRU:
                {
                    var a = new Span<float>(s.Gates!.Data, s.GatesOffset + b * 4 * units, 4 * units);
                    SumOf(xp, hp, bih, bhh, 0, 2 * units, a);
                    TensorPrimitives.Sigmoid(a[..(2 * units)], a[..(2 * units)]);
                    int n0 = 2 * units;
                    for (int j = 0; j < units; j++)
                    {
                        float hn = hp[n0 + j] + (bhh.IsEmpty ? 0f : bhh[n0 + j]);
                        a[3 * units + j] = hn;
                        a[n0 + j] = xp[n0 + j] + (bih.IsEmpty ? 0f : bih[n0 + j]) + a[j] * hn;
                    }
                    TensorPrimitives.Tanh(a.Slice(n0, units), a.Slice(n0, units));
                    for (int j = 0; j < units; j++)
                    {
                        float z = a[units + j];
                        hNew[j] = (1f - z) * a[n0 + j] + z * hPrev[j];
                    }
                    break;
                }
            }
            if (s.Output is not null) hNew.CopyTo(new Span<float>(s.Output.Data, s.OutputOffset + b * s.OutputStride, units));
        }
    }

    // a[j] = xp[j] + hp[j] + bih[j] + bhh[j] for j in [from, from + count)
    private static void SumOf(ReadOnlySpan<float> xp, ReadOnlySpan<float> hp, ReadOnlySpan<float> bih, ReadOnlySpan<float> bhh,
        int from, int count, Span<float> a)
    {
        var dst = a.Slice(from, count);
        TensorPrimitives.Add(xp.Slice(from, count), hp.Slice(from, count), dst);
        if (!bih.IsEmpty) TensorPrimitives.Add(dst, bih.Slice(from, count), dst);
        if (!bhh.IsEmpty) TensorPrimitives.Add(dst, bhh.Slice(from, count), dst);
    }

    public static void Backward(in RecurrentStep s)
    {
        int units = s.Units, gh = RecurrentCells.GateCount(s.Cell) * units;
        float[] dp = s.InputProjection.Data, dq = s.HiddenProjection.Data, h = s.Hidden.Data, dhc = s.HiddenGradient!.Data;
        for (int b = 0; b < s.Batch; b++)
        {
            var dxp = new Span<float>(dp, s.InputOffset + b * s.InputStride, gh);
            var dhp = new Span<float>(dq, s.HiddenOffset + b * gh, gh);
            var hPrev = new ReadOnlySpan<float>(h, s.PreviousOffset + b * units, units);
            var hNew = new ReadOnlySpan<float>(h, s.StateOffset + b * units, units);
            var carry = new Span<float>(dhc, b * units, units);
            ReadOnlySpan<float> dOut = s.OutputGradient is null ? default
                : new ReadOnlySpan<float>(s.OutputGradient.Data, s.OutputGradientOffset + b * s.OutputGradientStride, units);
            if (s.Mask is not null && s.Mask.Data[s.MaskOffset + b * s.MaskStride] == 0f)
            {
                // The state passed through unchanged: dh and dc flow straight to step t−1 (plus the output's
                // gradient when the output was the kept state, not zeros); the projections get nothing.
                dxp.Clear();
                dhp.Clear();
                if (!dOut.IsEmpty && !s.ZeroMaskedOutput)
                    for (int j = 0; j < units; j++) carry[j] += dOut[j];
                continue;
            }
            switch (s.Cell)
            {
                case RecurrentCellKind.SimpleRNN:
                    for (int j = 0; j < units; j++)
                    {
                        float dh = carry[j] + (dOut.IsEmpty ? 0f : dOut[j]);
                        float da = dh * (1f - hNew[j] * hNew[j]);
                        dxp[j] = da;
                        dhp[j] = da;
                        carry[j] = 0f;
                    }
                    break;
                case RecurrentCellKind.LSTM:
                {
                    var a = new ReadOnlySpan<float>(s.Gates!.Data, s.GatesOffset + b * 4 * units, 4 * units);
                    var cPrev = new ReadOnlySpan<float>(s.CellState!.Data, s.PreviousOffset + b * units, units);
                    var cNew = new ReadOnlySpan<float>(s.CellState.Data, s.StateOffset + b * units, units);
                    var dcCarry = new Span<float>(s.CellGradient!.Data, b * units, units);
                    for (int j = 0; j < units; j++)
                    {
                        float dh = carry[j] + (dOut.IsEmpty ? 0f : dOut[j]);
                        float i = a[j], f = a[units + j], g = a[2 * units + j], o = a[3 * units + j];
                        float tc = MathF.Tanh(cNew[j]);
                        float dc = dcCarry[j] + dh * o * (1f - tc * tc);
                        float di = dc * g * i * (1f - i);
                        float df = dc * cPrev[j] * f * (1f - f);
                        float dg = dc * i * (1f - g * g);
                        float dO = dh * tc * o * (1f - o);
                        dxp[j] = dhp[j] = di;
                        dxp[units + j] = dhp[units + j] = df;
                        dxp[2 * units + j] = dhp[2 * units + j] = dg;
                        dxp[3 * units + j] = dhp[3 * units + j] = dO;
                        dcCarry[j] = dc * f;
                        carry[j] = 0f;
                    }
                    break;
                }
                case RecurrentCellKind.GRU:
                {
                    var a = new ReadOnlySpan<float>(s.Gates!.Data, s.GatesOffset + b * 4 * units, 4 * units);
                    for (int j = 0; j < units; j++)
                    {
                        float dh = carry[j] + (dOut.IsEmpty ? 0f : dOut[j]);
                        float r = a[j], z = a[units + j], n = a[2 * units + j], hn = a[3 * units + j];
                        float dnPre = dh * (1f - z) * (1f - n * n);
                        float dzPre = dh * (hPrev[j] - n) * z * (1f - z);
                        float drPre = dnPre * hn * r * (1f - r);
                        dxp[j] = dhp[j] = drPre;
                        dxp[units + j] = dhp[units + j] = dzPre;
                        dxp[2 * units + j] = dnPre;
                        dhp[2 * units + j] = dnPre * r;
                        carry[j] = dh * z;
                    }
                    break;
                }
            }
        }
    }
}
