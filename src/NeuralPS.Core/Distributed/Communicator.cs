using System.Runtime.InteropServices;

namespace NeuralPS.Core.Distributed;

/// <summary>The group of processes (ranks) one data-parallel run spans, and the few collective operations
/// training needs. <see cref="MpiCommunicator"/> is the production one (MPI_COMM_WORLD). Every operation is
/// collective: every rank calls it, in the same order, with the same sizes.</summary>
public abstract class Communicator
{
    /// <summary>This process's index, 0 ≤ Rank &lt; Size. Rank 0 writes checkpoints, history and reports.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes (the world size).</summary>
    public abstract int Size { get; }

    /// <summary>Sends <paramref name="send"/> to <paramref name="destination"/> while receiving
    /// <paramref name="receive"/> from <paramref name="source"/> (MPI_Sendrecv; no deadlock in a ring).</summary>
    public abstract void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source);

    /// <summary>Rank <paramref name="root"/>'s bytes overwrite everyone's (MPI_Bcast).</summary>
    public abstract void Broadcast(Span<byte> data, int root);

    /// <summary>Every rank's <paramref name="mine"/>, in rank order, into <paramref name="all"/>
    /// (Size × mine.Length bytes; MPI_Allgather).</summary>
    public abstract void AllGather(ReadOnlySpan<byte> mine, Span<byte> all);

    /// <summary>The MPI library's own MPI_Allreduce sum, in place (its reduction order is the library's
    /// choice; the trainer uses <see cref="RingAllReduce"/>, whose order is fixed; the bench compares both).</summary>
    public abstract void AllReduceSumNative(Span<float> data);

    public abstract void Barrier();

    /// <summary>Ends every rank of the job (MPI_Abort): for a failure on one rank that the others cannot
    /// see, which would otherwise leave them waiting in the next collective.</summary>
    public abstract void Abort(int errorCode);

    /// <summary>Rank <paramref name="root"/>'s values overwrite everyone's.</summary>
    public void Broadcast<T>(Span<T> data, int root = 0) where T : unmanaged => Broadcast(MemoryMarshal.AsBytes(data), root);

    /// <summary>Every rank's values, in rank order.</summary>
    public T[] AllGather<T>(ReadOnlySpan<T> mine) where T : unmanaged
    {
        var all = new T[mine.Length * Size];
        AllGather(MemoryMarshal.AsBytes(mine), MemoryMarshal.AsBytes(all.AsSpan()));
        return all;
    }

    /// <summary>Element-wise sum over ranks, added in rank order 0, 1, 2, ... on every rank, so every rank
    /// gets the same bits and the same inputs always give the same result (for small vectors: metrics,
    /// loss sums, statistics).</summary>
    public void SumInRankOrder(Span<double> values)
    {
        if (Size == 1) return;
        var all = AllGather<double>(values);
        int n = values.Length;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int r = 0; r < Size; r++) s += all[r * n + i];
            values[i] = s;
        }
    }
}
