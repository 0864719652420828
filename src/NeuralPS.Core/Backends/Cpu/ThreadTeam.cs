using System.Diagnostics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>A persistent team of worker threads for the CPU kernels (one worker per extra core).
///
/// Why not Parallel.For: a training step issues many small GEMMs (a few µs each), so dispatch cost
/// matters. Measured on the project machine: waking a hot dedicated worker costs ~7 µs, a worker that
/// already went to sleep ~1.3 ms, starting a thread ~290 µs. So the workers are started once, spin for
/// <see cref="SpinMicroseconds"/> after each job (back-to-back GEMMs of a training step find them awake),
/// and only then block on an event (an idle process burns no CPU).
///
/// A job is a static function pointer plus an untyped state pointer (the caller's stack struct): no
/// delegate, closure or task is allocated per call. Parts are claimed dynamically (a job-tagged counter),
/// the caller included: on a loaded machine where a worker is not scheduled in time, the caller simply
/// runs the remaining parts itself instead of waiting for it. One job runs at a time; a caller that finds the team busy (another thread is
/// using it) gets <c>false</c> from <see cref="TryRun"/> and does the work alone, so callers on several
/// threads never oversubscribe the cores or deadlock.</summary>
internal sealed unsafe class ThreadTeam
{
    /// <summary>How long an idle worker spins before it blocks (µs).</summary>
    public static int SpinMicroseconds { get; set; } = 500;

    /// <summary>For how much of that it spins on the CPU (pause loop) before it spins with
    /// Thread.Yield (µs): yielding lets a thread that shares its core (on a loaded machine, often the
    /// caller still computing its part) run, instead of burning that core's time slice.</summary>
    public static int HotSpinMicroseconds { get; set; } = 50;

    private static readonly object CreateGate = new();
    private static ThreadTeam? s_shared;

    private readonly Worker[] _workers;
    private int _busy; // 1 while a job runs (not a Monitor: that is re-entrant, and a nested call from a job must fail)
    private delegate*<void*, int, void> _job;
    private void* _state;
    private int _done;
    // Bits 32-63: job id; 16-31: number of parts; 0-15: next part to claim. One word, so a claim is checked
    // against the job it belongs to (a worker that wakes late can never claim a part of the next job with
    // the previous job's count). Published with one Interlocked.Exchange.
    private long _claim;
    private Exception? _failure;

    /// <summary>A private team (tests); normal callers use <see cref="GetShared"/>.</summary>
    internal ThreadTeam(int workers)
    {
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++) _workers[i] = new Worker(this, i);
    }

    /// <summary>Threads of the process-wide team (0 before its first use).</summary>
    internal static int SharedSize => Volatile.Read(ref s_shared)?.Size ?? 0;

    /// <summary>Number of threads a job can use: the workers plus the calling thread.</summary>
    public int Size => _workers.Length + 1;

    /// <summary>The process-wide team with at least <paramref name="threads"/> threads (created or
    /// grown on first use; workers are never stopped, they block when idle).</summary>
    public static ThreadTeam GetShared(int threads)
    {
        var team = Volatile.Read(ref s_shared);
        if (team is not null && team.Size >= threads) return team;
        lock (CreateGate)
        {
            team = s_shared;
            if (team is null || team.Size < threads)
            {
                // The old, smaller team stays alive (its workers block forever); growing happens at most
                // a few times per process (only when MaxThreads is raised).
                team = new ThreadTeam(Math.Max(threads, 2) - 1);
                Volatile.Write(ref s_shared, team);
            }
            return team;
        }
    }

    /// <summary>Runs job(state, part) once for every part = 0 .. parts-1, on the calling thread and up to
    /// parts-1 workers (parts may exceed <see cref="Size"/>: threads claim parts until none is left). Returns false (having run nothing) when the team is running a job already (for
/// another thread, or a nested call from inside a job): the caller then does the work alone.</summary>
    public bool TryRun(delegate*<void*, int, void> job, void* state, int parts)
    {
        if (parts < 1) return true;
        if (parts > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(parts));
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            _job = job;
            _state = state;
            _done = 0;
            _failure = null;
            long id = (Volatile.Read(ref _claim) >> 32) + 1;
            Interlocked.Exchange(ref _claim, (id << 32) | ((long)parts << 16)); // full fence: publishes the job before any wake-up
            int helpers = Math.Min(parts - 1, _workers.Length);
            for (int w = 0; w < helpers; w++) _workers[w].WakeIfSleeping();

            RunParts(id);

            var spin = new SpinWait();
            while (Volatile.Read(ref _done) != parts) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            _state = null;
            var failure = Volatile.Read(ref _failure);
            if (failure is not null) throw new InvalidOperationException("A parallel kernel part failed.", failure);
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // Claims and runs parts of job `id` until none is left (or the job is no longer current).
    private void RunParts(long id)
    {
        while (true)
        {
            long v = Volatile.Read(ref _claim);
            if (v >> 32 != id) return;
            int part = (int)(v & 0xFFFF);
            if (part >= (int)((v >> 16) & 0xFFFF)) return;
            if (Interlocked.CompareExchange(ref _claim, v + 1, v) != v) continue;
            try
            {
                _job(_state, part);
            }
            catch (Exception e)
            {
                // Recorded before the part counts as done: the caller reads _failure once every part is done, so
                // a failure recorded after the increment (as the worker loop once did) could be missed by this job
                // and then surface in the next one. The first failure wins.
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private sealed class Worker
    {
        private readonly ThreadTeam _team;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
        private int _sleeping;

        public Worker(ThreadTeam team, int index)
        {
            _team = team;
            var thread = new Thread(Loop, maxStackSize: 256 * 1024)
            {
                IsBackground = true,
                Name = $"NeuralPS kernel worker {index + 1}",
            };
            thread.Start();
        }

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        }

        private long CurrentJob => Volatile.Read(ref _team._claim) >> 32;

        private void Loop()
        {
            long seen = CurrentJob;
            long spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
            long hotTicks = Stopwatch.Frequency * HotSpinMicroseconds / 1_000_000;
            while (true)
            {
                long job = CurrentJob;
                if (job == seen)
                {
                    // Spin for a while: the next GEMM of a training step usually follows within microseconds.
                    long start = Stopwatch.GetTimestamp();
                    int n = 0;
                    bool yielding = false;
                    while ((job = CurrentJob) == seen)
                    {
                        if (yielding) Thread.Yield();
                        else Thread.SpinWait(8);
                        if ((++n & (yielding ? 0 : 63)) == 0)
                        {
                            long waited = Stopwatch.GetTimestamp() - start;
                            if (waited > spinTicks) break;
                            yielding = waited > hotTicks;
                        }
                    }
                    if (job == seen)
                    {
                        // Block. Dekker-style handshake with TryRun: announce sleeping (full fence), then
                        // re-check, so a job published in between is never missed.
                        _wake.Reset();
                        Interlocked.Exchange(ref _sleeping, 1);
                        if ((job = CurrentJob) == seen)
                        {
                            _wake.Wait();
                            job = CurrentJob;
                        }
                        Interlocked.Exchange(ref _sleeping, 0);
                        if (job == seen) continue;
                    }
                }
                seen = job;
                _team.RunParts(job); // records a part's exception itself
            }
        }
    }
}
