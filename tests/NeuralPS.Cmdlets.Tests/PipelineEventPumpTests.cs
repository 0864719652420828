using NeuralPS.Cmdlets.Commands;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The worker/pipeline-thread split that keeps every Write* call on the pipeline thread.</summary>
public sealed class PipelineEventPumpTests
{
    [Fact]
    public void Events_are_handled_in_order_on_the_calling_thread_while_work_runs_elsewhere()
    {
        int caller = Environment.CurrentManagedThreadId;
        int worker = -1;
        var seen = new List<(int Value, int Thread)>();
        int result = PipelineEventPump.Run(
            (post, _) =>
            {
                worker = Environment.CurrentManagedThreadId;
                for (int i = 0; i < 100; i++) post(i);
                return 42;
            },
            e => seen.Add(((int)e, Environment.CurrentManagedThreadId)),
            CancellationToken.None);
        Assert.Equal(42, result);
        Assert.NotEqual(caller, worker);
        Assert.Equal(Enumerable.Range(0, 100), seen.Select(s => s.Value));
        Assert.All(seen, s => Assert.Equal(caller, s.Thread));
    }

    [Fact]
    public void An_exception_in_the_work_reaches_the_caller_after_the_events_before_it()
    {
        var seen = new List<object>();
        var e = Assert.Throws<InvalidOperationException>(() => PipelineEventPump.Run<int>(
            (post, _) =>
            {
                post("a");
                throw new InvalidOperationException("boom");
            },
            seen.Add,
            CancellationToken.None));
        Assert.Equal("boom", e.Message);
        Assert.Equal(new object[] { "a" }, seen);
    }

    [Fact]
    public void A_handler_exception_cancels_the_work_waits_for_it_and_is_rethrown()
    {
        bool workSawCancel = false, workFinished = false;
        var e = Assert.Throws<TimeoutException>(() => PipelineEventPump.Run<int>(
            (post, token) =>
            {
                post("first");
                workSawCancel = token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                workFinished = true;
                return 0;
            },
            _ => throw new TimeoutException("host stopped the pipeline"),
            CancellationToken.None));
        Assert.Equal("host stopped the pipeline", e.Message);
        Assert.True(workSawCancel);
        Assert.True(workFinished);
    }

    [Fact]
    public void The_callers_token_reaches_the_work()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        bool cancelled = PipelineEventPump.Run((_, token) => token.IsCancellationRequested, _ => { }, cts.Token);
        Assert.True(cancelled);
    }
}
