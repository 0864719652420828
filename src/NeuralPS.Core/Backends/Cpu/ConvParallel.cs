namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Runs the convolution/pooling/normalisation loops on the SGEMM's persistent
/// <see cref="ThreadTeam"/>, one contiguous range per thread. Using the same team as the SGEMM (rather
/// than Parallel.For on the thread pool) matters on a small machine: the team's workers spin for a
/// while after each GEMM, so a pool thread started between two GEMMs would compete with a spinning
/// worker for the same core. Jobs are a static function pointer plus a pointer to the caller's state
/// struct: nothing is allocated per call.
/// A body must never start a multi-threaded SGEMM (it would re-enter the team from part 0): inside a
/// job, call the SGEMM with <see cref="SingleThread"/> settings.</summary>
internal static unsafe class ConvParallel
{
    /// <summary>Below this many element-operations a loop stays on the calling thread (waking a worker
    /// costs ~7 µs hot and ~1 ms cold).</summary>
    public const long MinParallelWork = 32 * 1024;

    public static int Threads => Sgemm.MaxThreads;

    /// <summary>SGEMM settings for a call made inside a team job.</summary>
    public static SgemmSettings SingleThread => SgemmSettings.Current with { Threads = 1 };

    private struct RangeJob
    {
        public delegate*<void*, int, int, int, void> Body;
        public void* State;
        public int Count, Parts;
    }

    private struct DynamicJob
    {
        public delegate*<void*, int, int, int, void> Body;
        public void* State;
        public int Count;
        public int Next;
    }

    private static void RunClaims(void* p, int part)
    {
        var job = (DynamicJob*)p;
        int i;
        while ((i = Interlocked.Increment(ref job->Next) - 1) < job->Count) job->Body(job->State, i, i + 1, part);
    }

    /// <summary>body(state, i, i + 1, part) for every item i of [0, count), items claimed one at a time by
    /// <paramref name="parts"/> threads. On a shared machine a thread can be descheduled for milliseconds;
    /// with static ranges the others would wait for it at the join, with claiming they take over its
    /// remaining items. Which thread runs an item varies from run to run, so a body must compute each
    /// item's result on its own (per-item outputs or per-item partial sums, never per-thread sums).</summary>
    public static void ForEachClaimed(int count, int parts, delegate*<void*, int, int, int, void> body, void* state)
    {
        if (count <= 0) return;
        parts = Math.Clamp(parts, 1, Math.Min(count, Threads));
        var job = new DynamicJob { Body = body, State = state, Count = count };
        if (parts == 1 || !ThreadTeam.GetShared(parts).TryRun(&RunClaims, &job, parts)) RunClaims(&job, 0);
    }

    private static void RunPart(void* p, int part)
    {
        var job = (RangeJob*)p;
        int start = (int)((long)job->Count * part / job->Parts), end = (int)((long)job->Count * (part + 1) / job->Parts);
        if (start < end) job->Body(job->State, start, end, part);
    }

    /// <summary>Number of parts <see cref="For"/> will use for this much work.</summary>
    public static int PartsFor(int count, long workPerItem) =>
        count <= 1 || count * workPerItem < MinParallelWork ? 1 : Math.Min(Threads, count);

    /// <summary>body(state, start, end, part) over [0, count) split into <paramref name="parts"/> (at most
    /// <see cref="Threads"/>) contiguous
    /// ranges (part = the range's index, 0 on the calling thread). When the team is busy (another thread
    /// is training), the same parts run one after another on the calling thread. Returns the number of parts
    /// that ran (per-part partial results live in parts 0 .. return − 1).</summary>
    public static int ForParts(int count, int parts, delegate*<void*, int, int, int, void> body, void* state)
    {
        if (count <= 0) return 0;
        parts = Math.Clamp(parts, 1, Math.Min(count, Threads));
        if (parts == 1)
        {
            body(state, 0, count, 0);
            return 1;
        }
        var job = new RangeJob { Body = body, State = state, Count = count, Parts = parts };
        if (ThreadTeam.GetShared(parts).TryRun(&RunPart, &job, parts)) return parts;
        // The team is busy (another training): the same parts, one after another on this thread, so
        // per-part partial sums, and so the result, do not depend on whether the team was free.
        for (int part = 0; part < parts; part++) RunPart(&job, part);
        return parts;
    }

    /// <summary><see cref="ForParts"/> with the part count chosen from the work size (never more than
    /// <see cref="Threads"/>).</summary>
    public static int For(int count, long workPerItem, delegate*<void*, int, int, int, void> body, void* state) =>
        ForParts(count, PartsFor(count, workPerItem), body, state);
}
