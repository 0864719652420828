using System.Runtime.InteropServices;

namespace NeuralPS.Core.Distributed;

/// <summary>The project's own binding to the few Open MPI calls data-parallel training needs, loaded lazily
/// (nothing here runs until a distributed run asks for it, so the module imports and trains on machines
/// with no MPI library at all).
/// <para>Why not MPI.NET 1.4.0 (NuGet): its MPI.dll imports everything from "msmpi.dll" and passes MS-MPI's
/// handles (MPI_Comm, MPI_Datatype and MPI_Op are 32-bit integer constants there); Open MPI's handles are
/// pointers to global objects, so MPI.NET cannot call libmpi.so on Linux without a rebuild.</para>
/// <para>Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of
/// global symbols (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum); they are looked up with dlsym.
/// The library is opened with RTLD_GLOBAL because Open MPI's plug-ins (mca_*.so) resolve libmpi's symbols
/// against the global namespace. $NEURALPS_MPI_LIBRARY names the file to load instead of libmpi.so.40. MPICH-family libraries use
/// integer handles and are refused with that reason.</para></summary>
internal static unsafe class MpiLibrary
{
    public const int Success = 0;
    public const int ThreadSerialized = 2; // Open MPI's MPI_THREAD_SERIALIZED

    private static readonly Lazy<(Api? Api, string Reason)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The bound calls, or null with the reason (in <see cref="UnavailableReason"/>).</summary>
    public static Api? TryGet() => Loaded.Value.Api;

    public static string UnavailableReason => Loaded.Value.Reason;

    public static Api Get() => Loaded.Value.Api ?? throw new DistributedTrainingException(Loaded.Value.Reason);

    internal sealed class Api
    {
        public required string Path { get; init; }
        public required nint CommWorld { get; init; }
        public required nint Byte { get; init; }
        public required nint Float { get; init; }
        public required nint Double { get; init; }
        public required nint OpSum { get; init; }
        public required delegate* unmanaged<int*, int> Initialized { get; init; }
        public required delegate* unmanaged<int*, int> Finalized { get; init; }
        public required delegate* unmanaged<int*, nint*, int, int*, int> InitThread { get; init; }
        public required delegate* unmanaged<int> Finalize { get; init; }
        public required delegate* unmanaged<nint, int*, int> CommRank { get; init; }
        public required delegate* unmanaged<nint, int*, int> CommSize { get; init; }
        public required delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int> Sendrecv { get; init; }
        public required delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; init; }
        public required delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather { get; init; }
        public required delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce { get; init; }
        public required delegate* unmanaged<nint, int> Barrier { get; init; }
        public required delegate* unmanaged<nint, int, int> Abort { get; init; }
    }

    private const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint DlOpen(string path, int flags);

    private static (Api?, string) Load()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return (null, "Distributed training needs Open MPI (libmpi) on Linux or macOS; this is " + RuntimeInformation.OSDescription + ".");
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("NEURALPS_MPI_LIBRARY") is { Length: > 0 } explicitPath) candidates.Add(explicitPath); // only this one
        else candidates.AddRange(OperatingSystem.IsMacOS() ? new[] { "libmpi.40.dylib", "libmpi.dylib" } : new[] { "libmpi.so.40", "libmpi.so" });
        nint handle = 0;
        string? path = null;
        foreach (var candidate in candidates)
        {
            try
            {
                handle = DlOpen(candidate, RtldNow | RtldGlobal);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                handle = 0;
            }
            if (handle == 0 && !NativeLibrary.TryLoad(candidate, out handle)) handle = 0;
            if (handle != 0) { path = candidate; break; }
        }
        if (handle == 0)
            return (null, $"No MPI library found (tried {string.Join(", ", candidates)}). Install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) or set NEURALPS_MPI_LIBRARY to libmpi's path.");
        if (!NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out nint world))
            return (null, $"'{path}' is not Open MPI (no ompi_mpi_comm_world symbol); NeuralPS binds Open MPI's ABI, whose handles are pointers (MPICH and MS-MPI use integer handles).");
        nint F(string name) => NativeLibrary.TryGetExport(handle, name, out nint f) ? f
            : throw new DistributedTrainingException($"'{path}' has no {name}; it is not a usable MPI library.");
        try
        {
            return (new Api
            {
                Path = path!,
                CommWorld = world,
                Byte = F("ompi_mpi_byte"),
                Float = F("ompi_mpi_float"),
                Double = F("ompi_mpi_double"),
                OpSum = F("ompi_mpi_op_sum"),
                Initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized"),
                Finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized"),
                InitThread = (delegate* unmanaged<int*, nint*, int, int*, int>)F("MPI_Init_thread"),
                Finalize = (delegate* unmanaged<int>)F("MPI_Finalize"),
                CommRank = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_rank"),
                CommSize = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_size"),
                Sendrecv = (delegate* unmanaged<void*, int, nint, int, int, void*, int, nint, int, int, nint, void*, int>)F("MPI_Sendrecv"),
                Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)F("MPI_Bcast"),
                Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)F("MPI_Allgather"),
                Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)F("MPI_Allreduce"),
                Barrier = (delegate* unmanaged<nint, int>)F("MPI_Barrier"),
                Abort = (delegate* unmanaged<nint, int, int>)F("MPI_Abort"),
            }, string.Empty);
        }
        catch (DistributedTrainingException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Throws when an MPI call returned an error code (Open MPI's default handler aborts before
    /// that, so this is for handlers set to return).</summary>
    public static void Check(int code, string call)
    {
        if (code != Success) throw new DistributedTrainingException($"{call} failed with MPI error code {code}.");
    }
}
