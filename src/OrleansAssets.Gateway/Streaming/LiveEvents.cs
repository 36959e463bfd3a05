using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Events;
using OrleansAssets.Runs;

namespace OrleansAssets.Gateway.Streaming;

/// <summary>One message of the live stream: a run event, or an asset's own state change that a run event made.</summary>
public sealed record LiveMessage(long Id, RunEvent? Run, AssetChange? Asset);

/// <summary>An asset's state changed: it started materializing, was materialized, or failed, in a run.</summary>
public sealed record AssetChange(string AssetKey, Assets.AssetStatus Status, Guid RunId, DateTimeOffset Timestamp);

/// <summary>
/// The gateway's one subscription to the cluster's committed run events (the <see cref="IRunEventHubGrain"/>),
/// fanned out to every connected viewer: a thousand dashboards cost the cluster what one does, and none of them
/// polls the database. Keeps the last messages so a viewer that reconnects with its Last-Event-ID misses none.
/// </summary>
public sealed partial class LiveEvents(IClusterClient cluster, ILogger<LiveEvents> logger) : BackgroundService, IRunEventObserver
{
    private const int Kept = 10_000;
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly LinkedList<LiveMessage> _recent = new();
    private readonly List<Channel<LiveMessage>> _viewers = [];
    private long _nextId;

    /// <summary>This gateway's epoch: ids from another gateway (or an earlier start of this one) cannot resume here.</summary>
    public string Epoch { get; } = Convert.ToHexStringLower(BitConverter.GetBytes(DateTime.UtcNow.Ticks))[..12];

    /// <summary>
    /// A viewer's feed: messages after <paramref name="afterId"/> that are still kept, then every new one. The
    /// bounded channel drops a viewer that falls far behind rather than slowing the others; it reconnects and resumes.
    /// </summary>
    public ChannelReader<LiveMessage> Watch(long? afterId, CancellationToken cancellationToken, out bool resumed)
    {
        var channel = Channel.CreateBounded<LiveMessage>(new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        lock (_gate)
        {
            resumed = afterId is null || _recent.First is null || _recent.First.Value.Id <= afterId + 1;
            if (afterId is { } after)
            {
                foreach (var kept in _recent.Where(m => m.Id > after))
                {
                    channel.Writer.TryWrite(kept);
                }
            }

            _viewers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _viewers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public Task OnEvents(List<RunEvent> events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                Fan(new LiveMessage(++_nextId, e, null));
                if (ChangeOf(e) is { } change)
                {
                    Fan(new LiveMessage(++_nextId, null, change));
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>What a run event means for its asset's own state, as the dashboard shows it.</summary>
    public static AssetChange? ChangeOf(RunEvent e) => e switch
    {
        { AssetKey: { } key, Type: RunEventType.StepStarted } => new AssetChange(key, Assets.AssetStatus.Materializing, e.RunId, e.Timestamp),
        { AssetKey: { } key, Type: RunEventType.Materialization } => new AssetChange(key, Assets.AssetStatus.Materialized, e.RunId, e.Timestamp),
        { AssetKey: { } key, Type: RunEventType.StepFailed, WillRetry: false } => new AssetChange(key, Assets.AssetStatus.Failed, e.RunId, e.Timestamp),
        _ => null,
    };

    private void Fan(LiveMessage message)
    {
        _recent.AddLast(message);
        if (_recent.Count > Kept)
        {
            _recent.RemoveFirst();
        }

        foreach (var viewer in _viewers)
        {
            if (!viewer.Writer.TryWrite(message))
            {
                // Too far behind: end its stream; it reconnects with its last id and catches up from what is kept.
                viewer.Writer.TryComplete();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = cluster.CreateObjectReference<IRunEventObserver>(this);
        var hub = cluster.GetGrain<IRunEventHubGrain>(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await hub.Subscribe(self);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSubscribeFailed(logger, e);
                }

                await Task.Delay(Renewal, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await hub.Unsubscribe(self).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException or ObjectDisposedException)
            {
                // The subscription lapses by itself.
            }

            cluster.DeleteObjectReference<IRunEventObserver>(self);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the cluster's run events; live views wait until it answers")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
