using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Re-shapes a layer-owned buffer to [batch, ..sample] only when the batch changes.
/// Tensor.Ensure needs a Shape, and building one allocates; checking the batch first keeps a steady
/// training step at zero allocations (a new Shape is made only for the last, smaller batch).</summary>
internal static class BatchBuffer
{
    public static Tensor Ensure(ref Tensor? buffer, int batch, Shape sample)
    {
        if (buffer is not null && buffer.Shape.Rank == sample.Rank + 1 && buffer.Rows == batch && SameTail(buffer.Shape, sample))
            return buffer;
        return Tensor.Ensure(ref buffer, sample.WithBatch(batch));
    }

    private static bool SameTail(Shape withBatch, Shape sample)
    {
        for (int i = 0; i < sample.Rank; i++)
            if (withBatch[i + 1] != sample[i]) return false;
        return true;
    }
}
