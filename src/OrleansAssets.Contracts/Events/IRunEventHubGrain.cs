using OrleansAssets.Runs;

namespace OrleansAssets.Events;

/// <summary>
/// Where committed run events meet the ones who watch them live (gateways feeding dashboards): each silo hands it
/// what its storage just committed, and it passes that on to every subscribed observer. Watchers never poll the
/// database; the database is read only to catch up after a reconnect.
/// </summary>
/// <remarks>
/// Best effort by design: an event that misses a live watcher (the hub moved with a silo) is still in the run's
/// event log, which a reconnecting watcher reads from its last sequence.
/// </remarks>
[Alias("oa.IRunEventHubGrain")]
public interface IRunEventHubGrain : IGrainWithIntegerKey
{
    [OneWay]
    [Alias("Publish")]
    Task Publish(List<RunEvent> events);

    /// <summary>Subscribes (or renews) an observer; a subscription lapses unless renewed within two minutes.</summary>
    [Alias("Subscribe")]
    Task Subscribe(IRunEventObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IRunEventObserver observer);

    /// <summary>Whether anyone watches: silos publish only then, so an unwatched cluster pays nothing.</summary>
    [AlwaysInterleave]
    [Alias("HasSubscribers")]
    Task<bool> HasSubscribers();
}

/// <summary>Receives committed run events, in commit order per run.</summary>
[Alias("oa.IRunEventObserver")]
public interface IRunEventObserver : IGrainObserver
{
    [OneWay]
    [Alias("OnEvents")]
    Task OnEvents(List<RunEvent> events);
}
