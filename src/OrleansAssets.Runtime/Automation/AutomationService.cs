using Microsoft.Extensions.Logging;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;

namespace OrleansAssets.Automation;

/// <summary>
/// Wakes the schedules and sensors so none waits for its minute-long reminder: every silo on start-up and when the
/// membership declares a silo dead (those it held come back on a survivor at once and make up their ticks), and one
/// silo when the catalog changes (a new, changed or removed schedule) and every half minute besides.
/// </summary>
internal sealed partial class AutomationService(
    IGrainFactory grains,
    AssetGraphCache graphs,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    TimeProvider time,
    ILogger<AutomationService> logger) : SiloBackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CatalogCheckInterval = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stopping) => Task.WhenAll(WatchMembershipAsync(stopping), SweepAsync(stopping));

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var known = membership.CurrentSnapshot;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
        {
            var died = snapshot.CreateUpdate(known).Changes.Any(c => c.Status == SiloStatus.Dead && !c.SiloAddress.Equals(localSilo.SiloAddress));
            known = snapshot;
            if (died)
            {
                await PokeAllAsync("a silo died", cancellationToken);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        await PokeAllAsync("this silo started", cancellationToken);
        var version = graphs.Peek().Version;
        var lastSweep = time.GetTimestamp();
        using var timer = new PeriodicTimer(CatalogCheckInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var graph = await graphs.GetAsync(cancellationToken);
            var changed = graph.Version != version;
            version = graph.Version;
            if ((changed || time.GetElapsedTime(lastSweep) >= SweepInterval) && IsSweeper())
            {
                lastSweep = time.GetTimestamp();
                await PokeAllAsync(changed ? "the catalog changed" : "the periodic sweep", cancellationToken);
            }
        }
    }

    /// <summary>The active silo with the lowest address sweeps, so a cluster sweeps once, not once per silo.</summary>
    private bool IsSweeper() => membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.SiloAddress)
        .Order()
        .FirstOrDefault() is not { } first || first.Equals(localSilo.SiloAddress);

    private async Task PokeAllAsync(string why, CancellationToken cancellationToken)
    {
        try
        {
            var graph = await graphs.GetAsync(cancellationToken);
            var pokes = graph.Schedules.Keys.Select(name => (What: $"schedule {name}", Poke: (Func<Task>)(() => grains.GetGrain<IScheduleGrain>(name).Poke())))
                .Concat(graph.Sensors.Values.Select(s => (What: $"sensor {s.Name}", Poke: (Func<Task>)(() => grains.GetGrain<ISensorGrain>(s.GrainKey).Poke()))))
                .ToList();
            if (pokes.Count == 0)
            {
                return;
            }

            LogPoking(logger, pokes.Count, why);
            await Task.WhenAll(pokes.Select(async p =>
            {
                try
                {
                    await p.Poke();
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Its reminder or the next sweep wakes it.
                    LogPokeFailed(logger, e, p.What);
                }
            }));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogPokeFailed(logger, e, "schedules and sensors");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waking {Count} schedule(s) and sensor(s): {Why}")]
    private static partial void LogPoking(ILogger logger, int count, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake {What}; its reminder or the next sweep will")]
    private static partial void LogPokeFailed(ILogger logger, Exception exception, string what);
}
