using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;

namespace OrleansAssets.Postgres;

/// <summary>Bounds the event log: hourly, deletes the events of runs that ended before the retention window.</summary>
internal sealed partial class EventRetentionService(
    PostgresRunStore store,
    IOptions<PostgresStorageOptions> options,
    TimeProvider time,
    ILogger<EventRetentionService> logger) : SiloBackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (options.Value.EventRetention is not { } retention)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var deleted = await store.DeleteEventsOfRunsEndedBeforeAsync(time.GetUtcNow() - retention, stopping);
                if (deleted > 0)
                {
                    LogDeleted(logger, deleted, retention);
                }
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} events of runs that ended more than {Retention} ago")]
    private static partial void LogDeleted(ILogger logger, long count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event retention failed; it runs again within the hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
