using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;

namespace OrleansAssets.Events;

/// <summary>
/// Hands the run events this silo's storage committed to the <see cref="IRunEventHubGrain"/>, gathered into one
/// call every few milliseconds, and only while someone watches (asked every few seconds), so a cluster nobody
/// watches pays nothing for live views.
/// </summary>
public sealed partial class RunEventFeed(IGrainFactory grains, ILogger<RunEventFeed> logger) : SiloBackgroundService
{
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan WatchersCheck = TimeSpan.FromSeconds(1);
    private readonly Channel<RunEvent> _committed = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private volatile bool _watched;

    /// <summary>Events just committed, with their sequence numbers. Never blocks the write path.</summary>
    public void Committed(IEnumerable<RunEvent> events)
    {
        if (!_watched)
        {
            return;
        }

        foreach (var e in events)
        {
            _committed.Writer.TryWrite(e);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stopping) => Task.WhenAll(WatchAsync(stopping), ForwardAsync(stopping));

    private async Task WatchAsync(CancellationToken stopping)
    {
        var hub = grains.GetGrain<IRunEventHubGrain>(0);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                _watched = await hub.HasSubscribers();
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                LogHubUnavailable(logger, e);
            }

            await Task.Delay(WatchersCheck, stopping);
        }
    }

    private async Task ForwardAsync(CancellationToken stopping)
    {
        var hub = grains.GetGrain<IRunEventHubGrain>(0);
        var reader = _committed.Reader;
        var batch = new List<RunEvent>();
        while (await reader.WaitToReadAsync(stopping))
        {
            await Task.Delay(Gather, stopping);
            while (batch.Count < 5_000 && reader.TryRead(out var e))
            {
                batch.Add(e);
            }

            try
            {
                await hub.Publish(batch);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Live views are best effort: the events are in the run's log, where a watcher catches up.
                LogPublishFailed(logger, e, batch.Count);
            }

            batch = [];
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The run event hub did not answer; live views may miss events until it does")]
    private static partial void LogHubUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} run event(s) could not be passed to live views")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);
}
