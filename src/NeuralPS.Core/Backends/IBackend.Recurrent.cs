using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Primitives of the recurrent layers and the embedding. A recurrent layer projects the inputs
/// of all time steps with one GEMM, then per step runs one GEMM with the recurrent weights and one fused
/// element-wise cell kernel; the strided GEMM lets both address slices of whole-sequence buffers (as
/// cuBLAS does with pointer offsets and leading dimensions).</summary>
public partial interface IBackend
{
    /// <summary>C = alpha · op(A) · op(B) + beta · C on sub-matrices of the tensors' storage: op(A) is
    /// [m, k], op(B) [k, n], C [m, n]; each matrix starts at its offset and its rows are ld elements apart
    /// (row-major, as stored, before the transpose).</summary>
    void GemmStrided(int m, int n, int k,
        Tensor a, int aOffset, int lda, bool transposeA,
        Tensor b, int bOffset, int ldb, bool transposeB,
        Tensor c, int cOffset, int ldc, float alpha = 1f, float beta = 0f);

    /// <summary>One forward step of the cell for the whole batch: gates from the two projections and both
    /// biases, the new hidden (and cell) state, and the gates cache. See <see cref="RecurrentStep"/>.</summary>
    void RecurrentCellForward(in RecurrentStep step);

    /// <summary>One backward step: from dh (OutputGradient + HiddenGradient) and dc, writes the gate
    /// pre-activation gradients into InputProjection and HiddenProjection and the carries into
    /// HiddenGradient / CellGradient. See <see cref="RecurrentStep"/>.</summary>
    void RecurrentCellBackward(in RecurrentStep step);

    /// <summary>y[r, :] = weight[ids[r], :] for every id (ids are integers carried as floats), zeros for
    /// <paramref name="paddingIndex"/>. Throws <see cref="DataFormatException"/> naming the row and the
    /// value when an id is not an integer in [0, vocabulary).</summary>
    void EmbeddingForward(Tensor ids, Tensor weight, Tensor y, int paddingIndex);

    /// <summary>dWeight = Σ over positions with id v of dy[r, :] (overwritten; the padding row stays zero).</summary>
    void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dWeight, int paddingIndex);
}
