using Microsoft.Extensions.Logging;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Execution;

/// <summary>
/// The logger user code gets in its <see cref="AssetContext"/>: each line goes to the silo's own log and, with
/// level and time, to the run's event log. Lines are held and handed back with the step's outcome, so a short step
/// costs no commit for its logs; a long step's lines are stored every half second so they can be followed live.
/// </summary>
internal sealed class RunEventLogger : ILogger, IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(500);
    private readonly Guid _runId;
    private readonly string _assetKey;
    private readonly int _attempt;
    private readonly IRunEventWriter _writer;
    private readonly ILogger _siloLogger;
    private readonly Lock _gate = new();
    private readonly List<RunEvent> _held = [];
    private readonly List<Task> _flushes = [];
    private readonly Timer _timer;

    public RunEventLogger(Guid runId, string assetKey, int attempt, IRunEventWriter writer, ILogger siloLogger)
    {
        (_runId, _assetKey, _attempt, _writer, _siloLogger) = (runId, assetKey, attempt, writer, siloLogger);
        _timer = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _siloLogger.BeginScope(state);

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

        _siloLogger.Log(logLevel, eventId, "[{RunId} {AssetKey}] {Message}", _runId, _assetKey, message);
        lock (_gate)
        {
            _held.Add(new RunEvent
            {
                RunId = _runId,
                Timestamp = DateTimeOffset.UtcNow,
                Type = RunEventType.Log,
                AssetKey = _assetKey,
                Level = logLevel,
                Message = message,
                Attempt = _attempt,
            });
        }
    }

    /// <summary>Stops the periodic flush, waits for lines already being stored, and returns the rest, in order.</summary>
    public async Task<List<RunEvent>> DrainAsync()
    {
        await _timer.DisposeAsync();
        Task[] flushing;
        List<RunEvent> rest;
        lock (_gate)
        {
            flushing = [.. _flushes];
            rest = [.. _held];
            _held.Clear();
        }

        await Task.WhenAll(flushing);
        return rest;
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();

    private void Flush()
    {
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                return;
            }

            _flushes.Add(_writer.AppendAsync(new RunWrite(_runId) { Events = [.. _held] }));
            _held.Clear();
        }
    }
}
