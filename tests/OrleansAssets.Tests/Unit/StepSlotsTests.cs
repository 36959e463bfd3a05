using Microsoft.Extensions.Options;
using OrleansAssets.Execution;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// User code starts on threads kept for it: never a pool thread, the caller's async context goes along, the threads
/// are reused, and code that blocks its thread for good does not keep the next step from starting.
/// </summary>
public sealed class StepSlotsTests
{
    private static readonly AsyncLocal<string?> Flowed = new();

    [Fact]
    public async Task Code_starts_on_a_kept_user_code_thread_with_the_callers_async_context()
    {
        using var slots = Slots(2);
        Flowed.Value = "from the caller";
        var (name, pool, flowed) = await slots.RunCodeAsync(() => Task.FromResult((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, Flowed.Value)));

        Assert.StartsWith("oa-step-", name, StringComparison.Ordinal);
        Assert.False(pool);
        Assert.Equal("from the caller", flowed);
    }

    [Fact]
    public async Task One_step_after_another_reuses_the_same_thread()
    {
        using var slots = Slots(2);
        var threads = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            threads.Add(await slots.RunCodeAsync(() => Task.FromResult(Environment.CurrentManagedThreadId)));
        }

        Assert.Single(threads);
    }

    [Fact]
    public async Task Code_that_blocks_its_thread_does_not_hold_up_the_next()
    {
        using var slots = Slots(1);
        using var release = new ManualResetEventSlim();
        var blocked = slots.RunCodeAsync(() =>
        {
            release.Wait();
            return Task.FromResult(1);
        });

        // As after a timeout: the blocked code was abandoned and its slot freed, its thread is still taken.
        Assert.Equal(2, await slots.RunCodeAsync(() => Task.FromResult(2)).WaitAsync(TimeSpan.FromSeconds(30)));
        release.Set();
        Assert.Equal(1, await blocked.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task What_user_code_throws_reaches_the_caller()
    {
        using var slots = Slots(1);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => slots.RunCodeAsync<int>(() => throw new InvalidOperationException("user code failed")));
        Assert.Equal("user code failed", thrown.Message);
    }

    private static StepSlots Slots(int perSilo) => new(Options.Create(new OrleansAssetsOptions { MaxConcurrentStepsPerSilo = perSilo }));
}
