using Microsoft.Extensions.Logging;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Execution;

/// <summary>
/// The logger user code gets in its <see cref="AssetContext"/>: each line goes to the run's event log (with level
/// and time) and to the silo's own log.
/// </summary>
internal sealed class RunEventLogger(Guid runId, string assetKey, int attempt, IRunEventWriter writer, ILogger siloLogger) : ILogger
{
    private readonly List<Task> _pending = [];
    private readonly Lock _gate = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => siloLogger.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        if (exception is not null)
        {
            message = $"{message}{Environment.NewLine}{exception}";
        }

        siloLogger.Log(logLevel, eventId, "[{RunId} {AssetKey}] {Message}", runId, assetKey, message);
        var write = writer.AppendAsync(new RunWrite(runId)
        {
            Events =
            [
                new RunEvent
                {
                    RunId = runId,
                    Timestamp = DateTimeOffset.UtcNow,
                    Type = RunEventType.Log,
                    AssetKey = assetKey,
                    Level = logLevel,
                    Message = message,
                    Attempt = attempt,
                },
            ],
        });
        lock (_gate)
        {
            _pending.Add(write);
        }
    }

    /// <summary>Waits until every line logged so far is stored, so the step's outcome follows its logs in the event log.</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            var all = Task.WhenAll(_pending);
            _pending.Clear();
            return all;
        }
    }
}
