using Microsoft.Extensions.Logging;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Execution;

/// <summary>
/// The events of one attempt as it runs: its start, and the logger user code gets in its <see cref="AssetContext"/>
/// (each line goes to the silo's own log and, with level and time, to the run's event log). Events are held and
/// handed back with the attempt's outcome, so a short step costs no commit of its own; a long step's events are
/// stored every half second, as writes nobody waits for, so it can be followed live.
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
    private StepWrite? _start;
    private bool _startStored;

    public RunEventLogger(Guid runId, string assetKey, int attempt, IRunEventWriter writer, ILogger siloLogger)
    {
        (_runId, _assetKey, _attempt, _writer, _siloLogger) = (runId, assetKey, attempt, writer, siloLogger);
        _timer = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
    }

    /// <summary>The attempt began running on <paramref name="silo"/>: the first event, and the step record's start.</summary>
    public void Started(string silo, DateTimeOffset at)
    {
        lock (_gate)
        {
            _start = new StepWrite(_assetKey, StepTransition.Started, _attempt) { Timestamp = at, Silo = silo };
            _held.Insert(0, new RunEvent
            {
                RunId = _runId,
                Timestamp = at,
                Type = RunEventType.StepStarted,
                AssetKey = _assetKey,
                Attempt = _attempt,
                Silo = silo,
                Message = $"attempt {_attempt} on {silo}",
            });
        }
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

    /// <summary>
    /// Stops the periodic flush, waits for the events already being stored (however long the storage is away, so
    /// they are in the log before the outcome), and returns the rest, in order, and whether the start was stored.
    /// </summary>
    public async Task<(bool StartStored, List<RunEvent> Held)> DrainAsync()
    {
        await _timer.DisposeAsync();
        Task[] flushing;
        List<RunEvent> rest;
        bool startStored;
        lock (_gate)
        {
            flushing = [.. _flushes];
            rest = [.. _held];
            _held.Clear();
            startStored = _startStored;
        }

        await Task.WhenAll(flushing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return (startStored, rest);
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();

    /// <summary>Stores the attempt's start now, durably, if it is not stored yet (its executor activation is going away).</summary>
    public async Task StoreStartAsync(CancellationToken cancellationToken)
    {
        Task stored;
        lock (_gate)
        {
            if (_start is null)
            {
                return;
            }

            stored = _writer.AppendAsync(new RunWrite(_runId) { Step = _start, Events = [.. _held] }, cancellationToken);
            _flushes.Add(stored);
            _startStored = true;
            _start = null;
            _held.Clear();
        }

        await stored;
    }

    private void Flush()
    {
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                return;
            }

            _flushes.Add(_writer.AppendSoon(new RunWrite(_runId) { Step = _start, Events = [.. _held] }));
            _startStored |= _start is not null;
            _start = null;
            _held.Clear();
        }
    }
}
