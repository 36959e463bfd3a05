using Microsoft.Extensions.Logging;
using OrleansAssets.Hosting;
using OrleansAssets.Storage;

namespace OrleansAssets.Runs;

/// <summary>
/// Brings back runs whose run grain was lost: when the membership declares a silo dead, every survivor wakes the
/// unfinished runs (a run grain is a single activation, so waking it twice is harmless), and one silo sweeps
/// periodically for runs stopped by anything else.
/// </summary>
internal sealed partial class RunRecoveryService(
    IRunRecordStore runs,
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    TimeProvider time,
    ILogger<RunRecoveryService> logger) : SiloBackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stopping) => Task.WhenAll(WatchMembershipAsync(stopping), SweepAsync(stopping));

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var known = membership.CurrentSnapshot;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
        {
            var died = snapshot.CreateUpdate(known).Changes.Where(c => c.Status == SiloStatus.Dead && !c.SiloAddress.Equals(localSilo.SiloAddress)).ToList();
            known = snapshot;
            if (died.Count > 0)
            {
                LogSiloDied(logger, string.Join(", ", died.Select(d => d.SiloAddress)));
                await ResumeUnfinishedAsync(cancellationToken);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);

        // On start-up too: a cluster restarted after every silo stopped has runs to finish.
        do
        {
            if (IsSweeper())
            {
                await ResumeUnfinishedAsync(cancellationToken);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>The active silo with the lowest address sweeps, so a cluster sweeps once, not once per silo.</summary>
    private bool IsSweeper() => membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.SiloAddress)
        .Order()
        .FirstOrDefault() is not { } first || first.Equals(localSilo.SiloAddress);

    private async Task ResumeUnfinishedAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Queued runs are the queue's: it rebuilds itself from the runs table and starts what may start.
            await grains.GetGrain<IRunQueueGrain>(0).Reconcile();
            var unfinished = await runs.ListRunsAsync(new RunQuery { Statuses = [RunStatus.Started], Limit = 1000 }, cancellationToken);
            await Task.WhenAll(unfinished.Select(async run =>
            {
                try
                {
                    await grains.GetGrain<IRunGrain>(run.RunId).Resume();
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogResumeFailed(logger, e, run.RunId);
                }
            }));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogSweepFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo(s) {Silos} died; resuming unfinished runs")]
    private static partial void LogSiloDied(ILogger logger, string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resume run {RunId}; the next sweep tries again")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list unfinished runs; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
