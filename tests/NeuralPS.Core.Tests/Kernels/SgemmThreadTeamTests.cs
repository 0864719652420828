using NeuralPS.Core.Backends.Cpu;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The persistent worker team under the SGEMM (and the convolution loops).</summary>
public sealed unsafe class SgemmThreadTeamTests
{
    private static readonly ThreadTeam Team = new(workers: 2);

    private struct Counts
    {
        public int* PerPart;
        public int Nested; // 1 when a nested TryRun from inside a job was refused
    }

    private static void Count(void* state, int part)
    {
        var c = (Counts*)state;
        Interlocked.Increment(ref c->PerPart[part]);
        Thread.SpinWait(200); // give the workers a chance to claim parts
    }

    [Fact]
    public void EveryPartRunsExactlyOnce()
    {
        var perPart = new int[40];
        fixed (int* p = perPart)
        {
            for (int parts = 1; parts <= 40; parts++)
            {
                Array.Clear(perPart);
                var c = new Counts { PerPart = p };
                Assert.True(Team.TryRun(&Count, &c, parts));
                for (int i = 0; i < 40; i++) Assert.Equal(i < parts ? 1 : 0, perPart[i]);
            }
        }
    }

    private static void Nested(void* state, int part)
    {
        var c = (Counts*)state;
        var inner = new Counts { PerPart = c->PerPart + 8 };
        if (!Team.TryRun(&Count, &inner, 2)) Interlocked.Exchange(ref c->Nested, 1);
        Interlocked.Increment(ref c->PerPart[part]);
    }

    [Fact]
    public void NestedCallFromInsideAJob_IsRefusedInsteadOfClobberingTheJob()
    {
        var perPart = new int[16];
        fixed (int* p = perPart)
        {
            var c = new Counts { PerPart = p };
            Assert.True(Team.TryRun(&Nested, &c, 3));
            Assert.Equal(1, c.Nested);
            Assert.Equal(new[] { 1, 1, 1 }, perPart[..3]);
        }
    }

    private static void Throw(void* state, int part)
    {
        if (part == 1) throw new InvalidDataException("part 1 failed");
    }

    [Fact]
    public void ExceptionInAPart_SurfacesToTheCaller_AndTheTeamStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Team.TryRun(&Throw, null, 3));
        Assert.IsType<InvalidDataException>(e.InnerException);
        EveryPartRunsExactlyOnce();
    }

    private static int s_callerThread, s_workerParts;

    // Throws on a worker only. The calling thread's part waits (up to 2 ms) until a worker has entered one, then
    // returns at once, so the caller is already waiting for the last part while the worker's exception unwinds:
    // the window in which a failure recorded too late is missed.
    private static void ThrowOnAWorker(void* state, int part)
    {
        if (Environment.CurrentManagedThreadId == s_callerThread)
        {
            int seen = *(int*)state;
            long end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 500;
            while (Volatile.Read(ref s_workerParts) == seen && System.Diagnostics.Stopwatch.GetTimestamp() < end) Thread.SpinWait(10);
            return;
        }
        Interlocked.Increment(ref s_workerParts);
        throw new InvalidDataException($"part {part} failed on a worker");
    }

    [Fact]
    public void ExceptionOnAWorker_IsNeverLost_AndNeverLeaksIntoTheNextJob()
    {
        // A worker once recorded its exception after counting the part as done, so the caller could return
        // true without it (seen in a full run) and the late write could fail the next, healthy job.
        s_callerThread = Environment.CurrentManagedThreadId;
        int failedOnAWorker = 0;
        for (int round = 0; round < 200; round++)
        {
            int before = Volatile.Read(ref s_workerParts);
            Exception? thrown = null;
            try { Team.TryRun(&ThrowOnAWorker, &before, 2); }
            catch (InvalidOperationException e) { thrown = e; }
            bool workerRan = Volatile.Read(ref s_workerParts) != before;
            Assert.Equal(workerRan, thrown is not null);
            if (thrown is not null)
            {
                Assert.IsType<InvalidDataException>(thrown.InnerException);
                failedOnAWorker++;
            }
            var perPart = new int[4];
            fixed (int* p = perPart)
            {
                var c = new Counts { PerPart = p };
                Assert.True(Team.TryRun(&Count, &c, 4)); // throws if a stale failure leaked into this job
            }
            Assert.Equal(new[] { 1, 1, 1, 1 }, perPart);
        }
        Assert.True(failedOnAWorker > 0, "no worker ever claimed a part; the test proved nothing");
    }

    [Fact]
    public void ConcurrentCallers_AllGetTheirWorkDone()
    {
        // Four threads share one team: each call either runs on the team or is refused and runs alone.
        var totals = new int[4];
        var threads = new Thread[4];
        for (int t = 0; t < 4; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                var perPart = new int[8];
                fixed (int* p = perPart)
                {
                    for (int r = 0; r < 200; r++)
                    {
                        var c = new Counts { PerPart = p };
                        if (!Team.TryRun(&Count, &c, 8))
                            for (int part = 0; part < 8; part++) Count(&c, part);
                    }
                }
                totals[index] = perPart.Sum();
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        Assert.All(totals, t => Assert.Equal(200 * 8, t));
    }

    [Fact]
    public void WideGemm_SplitIntoMorePartsThanThreads_DoesNotGrowTheSharedTeam()
    {
        // 1024 columns at 2 threads run as 4 N parts; the shared team must still have 2 threads.
        const int m = 64, n = 1024, k = 64;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c)
        {
            var settings = SgemmSettings.Current with { Threads = 2 };
            Sgemm.Multiply(false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n, default, null, settings);
        }
        Assert.InRange(ThreadTeam.SharedSize, 0, Math.Max(2, Sgemm.MaxThreads));
    }
}
