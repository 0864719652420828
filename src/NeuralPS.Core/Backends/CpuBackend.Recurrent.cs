using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

// Recurrent cells and the embedding on the CPU. The cell kernels are one pass per sample over a few
// rows of G·units values, small next to the step's GEMM (batch × units × G·units multiply-adds), so
// they run on the calling thread; the sigmoid/tanh of a gate block go through TensorPrimitives
// (vectorised), the state updates are scalar loops over one row. RecurrentKernels holds the loops.
public sealed partial class CpuBackend
{
    public unsafe void GemmStrided(int m, int n, int k,
        Tensor a, int aOffset, int lda, bool transposeA,
        Tensor b, int bOffset, int ldb, bool transposeB,
        Tensor c, int cOffset, int ldc, float alpha = 1f, float beta = 0f)
    {
        if (m == 0 || n == 0) return;
        CheckExtent(a, aOffset, lda, transposeA ? k : m, transposeA ? m : k, "A");
        CheckExtent(b, bOffset, ldb, transposeB ? n : k, transposeB ? k : n, "B");
        CheckExtent(c, cOffset, ldc, m, n, "C");
        fixed (float* pa = a.Data, pb = b.Data, pc = c.Data)
        {
            Sgemm.Multiply(transposeA, transposeB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc);
        }
    }

    private static void CheckExtent(Tensor t, int offset, int ld, int rows, int columns, string what)
    {
        if (rows == 0 || columns == 0) return;
        long last = (long)offset + (long)(rows - 1) * ld + columns;
        if (offset < 0 || ld < columns || last > t.Size)
            throw new ShapeMismatchException($"Strided GEMM: {what} ({rows}x{columns} from offset {offset}, row stride {ld}) does not fit in its tensor {t.Shape}.");
    }

    public void RecurrentCellForward(in RecurrentStep step)
    {
        CheckStep(step, backward: false);
        RecurrentKernels.Forward(step);
    }

    public void RecurrentCellBackward(in RecurrentStep step)
    {
        CheckStep(step, backward: true);
        RecurrentKernels.Backward(step);
    }

    private static void CheckStep(in RecurrentStep s, bool backward)
    {
        int units = s.Units, batch = s.Batch, gh = RecurrentCells.GateCount(s.Cell) * units;
        int cached = RecurrentCells.CachedGateCount(s.Cell) * units;
        if (batch <= 0 || units <= 0) throw new ShapeMismatchException($"Recurrent step: batch {batch} and units {units} must be positive.");
        CheckExtent(s.InputProjection, s.InputOffset, s.InputStride, batch, gh, "input projection");
        CheckExtent(s.HiddenProjection, s.HiddenOffset, gh, batch, gh, "hidden projection");
        CheckExtent(s.Hidden, s.PreviousOffset, units, batch, units, "previous hidden state");
        CheckExtent(s.Hidden, s.StateOffset, units, batch, units, "hidden state");
        if (s.BiasIH is not null && s.BiasIH.Size != gh) throw new ShapeMismatchException($"Recurrent step: bias_ih has {s.BiasIH.Size} values, expected {gh}.");
        if (s.BiasHH is not null && s.BiasHH.Size != gh) throw new ShapeMismatchException($"Recurrent step: bias_hh has {s.BiasHH.Size} values, expected {gh}.");
        if (s.Cell == RecurrentCellKind.LSTM)
        {
            if (s.CellState is null) throw new InvalidOperationException("An LSTM step needs the cell state.");
            CheckExtent(s.CellState, s.PreviousOffset, units, batch, units, "previous cell state");
            CheckExtent(s.CellState, s.StateOffset, units, batch, units, "cell state");
        }
        if (cached > 0)
        {
            if (s.Gates is null) throw new InvalidOperationException($"A {s.Cell} step needs the gates cache.");
            CheckExtent(s.Gates, s.GatesOffset, cached, batch, cached, "gates cache");
        }
        if (s.Output is not null) CheckExtent(s.Output, s.OutputOffset, s.OutputStride, batch, units, "output");
        if (s.Mask is not null) CheckExtent(s.Mask, s.MaskOffset, Math.Max(s.MaskStride, 1), batch, 1, "mask");
        if (!backward) return;
        if (s.HiddenGradient is null) throw new InvalidOperationException("A backward step needs the hidden-state gradient.");
        CheckExtent(s.HiddenGradient, 0, units, batch, units, "hidden-state gradient");
        if (s.OutputGradient is not null) CheckExtent(s.OutputGradient, s.OutputGradientOffset, s.OutputGradientStride, batch, units, "output gradient");
        if (s.Cell == RecurrentCellKind.LSTM)
        {
            if (s.CellGradient is null) throw new InvalidOperationException("An LSTM backward step needs the cell-state gradient.");
            CheckExtent(s.CellGradient, 0, units, batch, units, "cell-state gradient");
        }
    }

    public void EmbeddingForward(Tensor ids, Tensor weight, Tensor y, int paddingIndex)
    {
        int n = ids.Size, vocabulary = weight.Rows, dims = weight.Columns;
        if (y.Size != n * dims)
            throw new ShapeMismatchException($"Embedding: output {y.Shape} does not hold {n} rows of {dims} values.");
        ReadOnlySpan<float> id = ids.Span;
        ReadOnlySpan<float> w = weight.Span;
        Span<float> ys = y.Span;
        for (int r = 0; r < n; r++)
        {
            int v = EmbeddingIndex(id[r], r, ids.Columns, vocabulary);
            var row = ys.Slice(r * dims, dims);
            if (v == paddingIndex) row.Clear();
            else w.Slice(v * dims, dims).CopyTo(row);
        }
    }

    public void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dWeight, int paddingIndex)
    {
        int n = ids.Size, vocabulary = dWeight.Rows, dims = dWeight.Columns;
        if (dy.Size != n * dims)
            throw new ShapeMismatchException($"Embedding: output gradient {dy.Shape} does not hold {n} rows of {dims} values.");
        ReadOnlySpan<float> id = ids.Span;
        ReadOnlySpan<float> g = dy.Span;
        Span<float> dw = dWeight.Span;
        dw.Clear();
        for (int r = 0; r < n; r++)
        {
            int v = EmbeddingIndex(id[r], r, ids.Columns, vocabulary);
            if (v == paddingIndex) continue;
            TensorPrimitives.Add(dw.Slice(v * dims, dims), g.Slice(r * dims, dims), dw.Slice(v * dims, dims));
        }
    }

    private static int EmbeddingIndex(float value, int position, int perSample, int vocabulary)
    {
        if (!(value >= 0 && value < vocabulary) || value != MathF.Floor(value))
            throw new DataFormatException(
                $"Embedding: sample {position / Math.Max(perSample, 1) + 1}, position {position % Math.Max(perSample, 1) + 1} holds {value}, which is not a token id in [0, {vocabulary - 1}].");
        return (int)value;
    }
}
