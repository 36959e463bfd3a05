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
    private readonly Dictionary<Guid, long> _expected = [];
    private readonly Dictionary<Guid, SortedList<long, (RunEvent Event, long HeldSince)>> _held = [];
    private long _nextId;

    private static readonly TimeSpan ReorderWindow = TimeSpan.FromMilliseconds(250);
    private const int MaxFollowedRuns = 100_000;

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
            var now = Environment.TickCount64;
            foreach (var e in events)
            {
                var expected = _expected.GetValueOrDefault(e.RunId, 1);
                if (e.Sequence == expected || e.Sequence < expected)
                {
                    Deliver(e);
                    ReleaseHeld(e.RunId);
                }
                else
                {
                    // The hub's calls to this observer may run in any order: a run's later batch waits, briefly, for the
                    // earlier one, so each viewer sees a run's events in sequence.
                    var held = _held.TryGetValue(e.RunId, out var list) ? list : _held[e.RunId] = new SortedList<long, (RunEvent, long)>();
                    held.TryAdd(e.Sequence, (e, now));
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Fans out a run's held events that are next in sequence.</summary>
    private void ReleaseHeld(Guid runId)
    {
        if (!_held.TryGetValue(runId, out var held))
        {
            return;
        }

        while (held.Count > 0 && held.Keys[0] <= _expected.GetValueOrDefault(runId, 1))
        {
            var (e, _) = held.Values[0];
            held.RemoveAt(0);
            Deliver(e);
        }

        if (held.Count == 0)
        {
            _held.Remove(runId);
        }
    }

    /// <summary>
    /// Events held longer than <see cref="ReorderWindow"/> go out in order anyway: what they waited for is not coming
    /// (the feed forwards only while someone watches, and a viewer reads the rest from the run's log).
    /// </summary>
    private void ReleaseOverdue()
    {
        lock (_gate)
        {
            var overdue = Environment.TickCount64 - (long)ReorderWindow.TotalMilliseconds;
            foreach (var runId in _held.Where(h => h.Value.Values[0].Item2 <= overdue).Select(h => h.Key).ToList())
            {
                _expected[runId] = _held[runId].Keys[0];
                ReleaseHeld(runId);
            }
        }
    }

    private void Deliver(RunEvent e)
    {
        _expected[e.RunId] = Math.Max(_expected.GetValueOrDefault(e.RunId, 1), e.Sequence + 1);
        if (e.Type is RunEventType.RunSuccess or RunEventType.RunFailure or RunEventType.RunCanceled)
        {
            // A run's last event: forget the run (a late event of it then waits no longer than the window).
            _expected.Remove(e.RunId);
        }
        else if (_expected.Count > MaxFollowedRuns)
        {
            // Runs whose end never came (their silo lost them for a while): start over rather than grow.
            _expected.Clear();
        }

        Fan(new LiveMessage(++_nextId, e, null));
        if (ChangeOf(e) is { } change)
        {
            Fan(new LiveMessage(++_nextId, null, change));
        }
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
        _ = ReleaseOverdueAsync(stoppingToken);
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

    private async Task ReleaseOverdueAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                ReleaseOverdue();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the cluster's run events; live views wait until it answers")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
