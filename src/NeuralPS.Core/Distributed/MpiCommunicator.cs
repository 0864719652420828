namespace NeuralPS.Core.Distributed;

/// <summary>MPI_COMM_WORLD through Open MPI (<see cref="MpiLibrary"/>). <see cref="World"/> initialises MPI
/// once per process (MPI_Init_thread, MPI_THREAD_SERIALIZED: the cmdlets call from a worker thread, one call
/// at a time) and finalises it when the process exits (mpirun reports a rank that exits without
/// MPI_Finalize as failed).</summary>
public sealed unsafe class MpiCommunicator : Communicator
{
    private static readonly object Gate = new();
    private static MpiCommunicator? _world;
    private readonly MpiLibrary.Api _mpi;

    private MpiCommunicator(MpiLibrary.Api mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    public override int Rank { get; }
    public override int Size { get; }

    /// <summary>The file the binding loaded (libmpi.so.40, or $NEURALPS_MPI_LIBRARY).</summary>
    public string LibraryPath => _mpi.Path;

    /// <summary>Why <see cref="World"/> would fail (no MPI library, not Open MPI), or null when it can load.</summary>
    public static string? UnavailableReason => MpiLibrary.TryGet() is null ? MpiLibrary.UnavailableReason : null;

    /// <summary>MPI_COMM_WORLD when this process has initialised it (a distributed run has started), else null.</summary>
    public static MpiCommunicator? Joined
    {
        get { lock (Gate) return _world; }
    }

    /// <summary>MPI_COMM_WORLD of this process, initialising MPI on first use.</summary>
    public static MpiCommunicator World
    {
        get
        {
            lock (Gate)
            {
                if (_world is not null) return _world;
                var mpi = MpiLibrary.Get();
                int flag = 0, provided = 0;
                MpiLibrary.Check(mpi.Initialized(&flag), "MPI_Initialized");
                if (flag == 0)
                {
                    int finalized = 0;
                    MpiLibrary.Check(mpi.Finalized(&finalized), "MPI_Finalized");
                    if (finalized != 0) throw new DistributedTrainingException("MPI was already finalised in this process; start a new process for another distributed run.");
                    MpiLibrary.Check(mpi.InitThread(null, null, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
                    if (provided < MpiLibrary.ThreadSerialized)
                        throw new DistributedTrainingException($"The MPI library provides thread level {provided}; NeuralPS needs MPI_THREAD_SERIALIZED (2) because training runs on a worker thread.");
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeMpi(mpi);
                }
                int rank = 0, size = 0;
                MpiLibrary.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
                MpiLibrary.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
                return _world = new MpiCommunicator(mpi, rank, size);
            }
        }
    }

    private static void FinalizeMpi(MpiLibrary.Api mpi)
    {
        int finalized = 0;
        if (mpi.Finalized(&finalized) == MpiLibrary.Success && finalized == 0) mpi.Finalize();
    }

    public override void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source)
    {
        fixed (float* s = send)
        fixed (float* r = receive)
            MpiLibrary.Check(_mpi.Sendrecv(s, send.Length, _mpi.Float, destination, 7, r, receive.Length, _mpi.Float, source, 7, _mpi.CommWorld, null), "MPI_Sendrecv");
    }

    public override void Broadcast(Span<byte> data, int root)
    {
        const int Chunk = 1 << 30; // MPI counts are int
        for (int offset = 0; offset < data.Length; offset += Chunk)
        {
            var part = data.Slice(offset, Math.Min(Chunk, data.Length - offset));
            fixed (byte* p = part) MpiLibrary.Check(_mpi.Bcast(p, part.Length, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
        }
    }

    public override void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        if (all.Length != mine.Length * Size) throw new ArgumentException($"AllGather needs {mine.Length * Size} bytes for the result but got {all.Length}.", nameof(all));
        fixed (byte* s = mine)
        fixed (byte* r = all)
            MpiLibrary.Check(_mpi.Allgather(s, mine.Length, _mpi.Byte, r, mine.Length, _mpi.Byte, _mpi.CommWorld), "MPI_Allgather");
    }

    public override void AllReduceSumNative(Span<float> data)
    {
        // MPI_IN_PLACE is (void*)1 in Open MPI's mpi.h.
        fixed (float* p = data) MpiLibrary.Check(_mpi.Allreduce((void*)1, p, data.Length, _mpi.Float, _mpi.OpSum, _mpi.CommWorld), "MPI_Allreduce");
    }

    public override void Barrier() => MpiLibrary.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    public override void Abort(int errorCode) => _mpi.Abort(_mpi.CommWorld, errorCode);
}
