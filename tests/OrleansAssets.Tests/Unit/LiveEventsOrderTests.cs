using Microsoft.Extensions.Logging.Abstractions;
using OrleansAssets.Gateway.Streaming;
using OrleansAssets.Runs;

namespace OrleansAssets.Tests.Unit;

/// <summary>The hub's calls to a gateway may arrive in any order; viewers still see each run's events in sequence.</summary>
public sealed class LiveEventsOrderTests
{
    [Fact]
    public async Task A_later_batch_that_arrives_first_waits_for_the_earlier_one()
    {
        var live = new LiveEvents(null!, NullLogger<LiveEvents>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var feed = live.Watch(null, stop.Token, out _);
        var run = Guid.NewGuid();

        await live.OnEvents([Event(run, 3, RunEventType.StepStarted), Event(run, 4, RunEventType.Log)]);
        await live.OnEvents([Event(run, 1, RunEventType.RunQueued), Event(run, 2, RunEventType.RunStarted)]);
        await live.OnEvents([Event(run, 5, RunEventType.RunSuccess)]);

        var seen = new List<long>();
        while (seen.Count < 5 && await feed.WaitToReadAsync(stop.Token))
        {
            while (feed.TryRead(out var message))
            {
                if (message.Run is { } e)
                {
                    seen.Add(e.Sequence);
                }
            }
        }

        Assert.Equal([1, 2, 3, 4, 5], seen);
    }

    private static RunEvent Event(Guid run, long sequence, RunEventType type) => new() { RunId = run, Sequence = sequence, Timestamp = DateTimeOffset.UtcNow, Type = type };
}
