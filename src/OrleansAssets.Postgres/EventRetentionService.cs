using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansAssets.Postgres;

/// <summary>Bounds the event log: hourly, deletes the events of runs that ended before the retention window.</summary>
internal sealed partial class EventRetentionService(
    PostgresRunStore store,
    IOptions<PostgresStorageOptions> options,
    TimeProvider time,
    ILogger<EventRetentionService> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(EventRetentionService),
        ServiceLifecycleStage.Active,
        _ =>
        {
            if (options.Value.EventRetention is { } retention)
            {
                _loop = RunAsync(retention, _stopping.Token);
            }

            return Task.CompletedTask;
        },
        async _ =>
        {
            await _stopping.CancelAsync();
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });

    private async Task RunAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    var deleted = await store.DeleteEventsOfRunsEndedBeforeAsync(time.GetUtcNow() - retention, cancellationToken);
                    if (deleted > 0)
                    {
                        LogDeleted(logger, deleted, retention);
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} events of runs that ended more than {Retention} ago")]
    private static partial void LogDeleted(ILogger logger, long count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event retention failed; it runs again within the hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
