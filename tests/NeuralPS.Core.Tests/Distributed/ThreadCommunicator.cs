using System.Collections.Concurrent;
using NeuralPS.Core.Distributed;
using Xunit;

namespace NeuralPS.Core.Tests.Distributed;

/// <summary>Ranks as threads of one process, for testing the collective algorithms without MPI: point-to-point
/// messages through one queue per (source, destination) pair, the collectives through a shared slot array and a
/// barrier. <see cref="Run"/> starts one thread per rank.</summary>
internal sealed class ThreadCommunicator : Communicator
{
    private readonly Group _group;

    private ThreadCommunicator(Group group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    public override int Rank { get; }
    public override int Size => _group.Size;

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank; rethrows the first failure.</summary>
    public static void Run(int size, Action<ThreadCommunicator> body)
    {
        var group = new Group(size);
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { body(new ThreadCommunicator(group, r)); }
            catch (Exception e) { errors.Enqueue(e); group.Barrier.Dispose(); }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a rank thread did not finish");
        if (errors.TryDequeue(out var first)) throw new AggregateException(first);
    }

    public override void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source)
    {
        _group.Queue(Rank, destination).Add(send.ToArray());
        var message = _group.Queue(source, Rank).Take();
        Assert.Equal(receive.Length, message.Length);
        message.CopyTo(receive);
    }

    public override void Broadcast(Span<byte> data, int root)
    {
        if (Rank == root) _group.Slots[root] = data.ToArray();
        _group.Barrier.SignalAndWait();
        _group.Slots[root]!.CopyTo(data);
        _group.Barrier.SignalAndWait();
    }

    public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        _group.Slots[Rank] = mine.ToArray();
        _group.Barrier.SignalAndWait();
        for (int r = 0; r < Size; r++) _group.Slots[r]!.CopyTo(all.Slice(r * mine.Length, mine.Length));
        _group.Barrier.SignalAndWait();
    }

    public override void AllReduceSumNative(Span<float> data) => throw new NotSupportedException();

    public override void Barrier() => _group.Barrier.SignalAndWait();

    public override void Abort(int errorCode) => throw new InvalidOperationException($"abort {errorCode}");

    private sealed class Group
    {
        private readonly BlockingCollection<float[]>[,] _queues;

        public Group(int size)
        {
            Size = size;
            Barrier = new Barrier(size);
            Slots = new byte[size][];
            _queues = new BlockingCollection<float[]>[size, size];
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++) _queues[i, j] = new BlockingCollection<float[]>();
        }

        public int Size { get; }
        public Barrier Barrier { get; }
        public byte[]?[] Slots { get; }
        public BlockingCollection<float[]> Queue(int from, int to) => _queues[from, to];
    }
}
