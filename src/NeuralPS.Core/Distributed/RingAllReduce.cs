namespace NeuralPS.Core.Distributed;

/// <summary>Sum all-reduce of a float vector over the ranks, as a ring (Baidu's ring all-reduce, the
/// algorithm of Horovod and NCCL): the vector is cut into Size chunks; Size − 1 reduce-scatter steps pass
/// partial sums to the next rank, then Size − 1 all-gather steps pass the finished chunks around. Each rank
/// sends and receives 2·(Size − 1)/Size of the vector, independent of Size: bandwidth-optimal.
/// <para>Reproducible by construction: chunk k is summed in the fixed order x_k + x_(k+1) + ... (ranks
/// modulo Size), whatever the timing, and the all-gather copies the finished bits, so every rank holds the
/// same result and the same inputs always give the same bits. MPI_Allreduce leaves the order to the
/// library (it may change with the message size, the process placement or the version).</para>
/// <para>Allocation: the receive buffer is kept between calls.</para></summary>
public sealed class RingAllReduce
{
    private readonly Communicator _comm;
    private float[] _receive = Array.Empty<float>();

    public RingAllReduce(Communicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _comm = communicator;
    }

    /// <summary>Replaces <paramref name="data"/> on every rank by the element-wise sum over the ranks.</summary>
    public void Sum(Span<float> data)
    {
        int size = _comm.Size, rank = _comm.Rank;
        if (size == 1 || data.Length == 0) return;
        int next = (rank + 1) % size, previous = (rank + size - 1) % size;
        int largest = (data.Length + size - 1) / size;
        if (_receive.Length < largest) _receive = new float[largest];

        // Reduce-scatter: after step s, rank r holds the sum of ranks r-s-1 .. r in chunk (r - s - 1).
        for (int s = 0; s < size - 1; s++)
        {
            var (sendStart, sendLength) = Chunk(data.Length, size, Mod(rank - s, size));
            var (receiveStart, receiveLength) = Chunk(data.Length, size, Mod(rank - s - 1, size));
            var incoming = _receive.AsSpan(0, receiveLength);
            _comm.SendReceive(data.Slice(sendStart, sendLength), next, incoming, previous);
            // incoming (ranks before) + mine: the partial sum grows from the chunk's first rank upwards.
            System.Numerics.Tensors.TensorPrimitives.Add(incoming, data.Slice(receiveStart, receiveLength), data.Slice(receiveStart, receiveLength));
        }
        // All-gather: rank r owns finished chunk (r + 1); pass finished chunks along the ring.
        for (int s = 0; s < size - 1; s++)
        {
            var (sendStart, sendLength) = Chunk(data.Length, size, Mod(rank + 1 - s, size));
            var (receiveStart, receiveLength) = Chunk(data.Length, size, Mod(rank - s, size));
            var incoming = _receive.AsSpan(0, receiveLength);
            _comm.SendReceive(data.Slice(sendStart, sendLength), next, incoming, previous);
            incoming.CopyTo(data.Slice(receiveStart, receiveLength));
        }
    }

    private static int Mod(int a, int m) => ((a % m) + m) % m;

    private static (int Start, int Length) Chunk(int length, int parts, int index)
    {
        int start = (int)((long)length * index / parts), end = (int)((long)length * (index + 1) / parts);
        return (start, end - start);
    }
}
