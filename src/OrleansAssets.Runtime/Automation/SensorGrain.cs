using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansAssets.CodeLocations;
using OrleansAssets.Graph;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Automation;

/// <summary>
/// One sensor, keyed <c>{code location}/{name}</c> and placed on silos that load its code location, where its
/// function is. A function sensor is evaluated on a grain timer every interval, and a reminder brings it back on a
/// survivor when its silo goes. Asset sensors are told of each materialization by the asset grains (no polling) and
/// run-status sensors of each run's end by the run grains. Each run it asks for has a run key; the run's id is
/// derived from it and storage refuses a second run for it, so a key runs once, across restarts. Its status and
/// cursor are kept in the run storage; a tick is written with the cursor it leaves, after its runs are queued.
/// </summary>
[CodeLocationPlacementFilter]
internal sealed partial class SensorGrain(
    IRunEventWriter writer, IAssetStateStore assetState, IAutomationStore automation,
    AssetGraphCache graphs,
    CodeLocationRegistry locations,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<SensorGrain> logger) : Grain, ISensorGrain, IRemindable
{
    private const string ReminderName = "oa.sensor";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private SensorSpec? _spec;
    private AutomationStatus _status;
    private string? _cursor;
    private TickRecord? _lastTick;
    private IGrainTimer? _timer;
    private bool _activating;
    private TimeSpan _timerPeriod;
    private Task<SensorResult>? _evaluation;

    private string Key => this.GetPrimaryKeyString();

    private string Name => Key[(Key.IndexOf('/', StringComparison.Ordinal) + 1)..];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync();
        _activating = true;
        try
        {
            await ApplyStatusAsync(catchUp: true);
        }
        finally
        {
            _activating = false;
        }
    }

    public async Task<AutomationInfo> Start(string by)
    {
        var spec = await RequireSpecAsync();
        if (_status != AutomationStatus.Running)
        {
            // An asset sensor starts from what is materialized now: earlier materializations are not made up.
            var cursor = spec.Kind == SensorKind.Asset ? await AssetBaselineAsync(spec) : _cursor;
            await WriteAsync(new AutomationWrite(RunKeys.SensorKind, Name) { Status = AutomationStatus.Running, Cursor = cursor, StartedAt = time.GetUtcNow() });
            (_status, _cursor) = (AutomationStatus.Running, cursor);
            LogStarted(logger, Name, UserText.Shorten(by));
        }

        await ApplyStatusAsync(catchUp: false);
        return Info();
    }

    public async Task<AutomationInfo> Stop(string by)
    {
        await RequireSpecAsync();
        if (_status != AutomationStatus.Stopped)
        {
            await WriteAsync(new AutomationWrite(RunKeys.SensorKind, Name) { Status = AutomationStatus.Stopped });
            _status = AutomationStatus.Stopped;
            LogStopped(logger, Name, UserText.Shorten(by));
        }

        await ApplyStatusAsync(catchUp: false);
        return Info();
    }

    public async Task<AutomationInfo> Get()
    {
        await RequireSpecAsync();
        return Info();
    }

    public async Task Poke()
    {
        await LoadAsync();
        await ApplyStatusAsync(catchUp: true);
    }

    public async Task<List<TickRecord>> GetTicks(DateTimeOffset? before, int limit) =>
        [.. await automation.ListTicksAsync(RunKeys.SensorKind, Name, before, Math.Clamp(limit, 1, 1000))];

    public async Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        await LoadAsync();
        await ApplyStatusAsync(catchUp: true);
    }

    public async Task OnMaterialized(string assetKey, Guid runId)
    {
        if (_spec is not { Kind: SensorKind.Asset } spec || _status != AutomationStatus.Running || !spec.Assets.Contains(assetKey))
        {
            return;
        }

        var seen = ReadAssetCursor(_cursor);
        if (seen.GetValueOrDefault(assetKey) == runId)
        {
            return;
        }

        seen[assetKey] = runId;
        await FireAsync(spec, $"asset:{assetKey}:{runId:N}", $"{assetKey} materialized by run {runId}", JsonSerializer.Serialize(seen), new Dictionary<string, string> { ["oa/upstream-run"] = runId.ToString() });
    }

    public async Task OnRunEnded(Guid runId, RunStatus status, string? job)
    {
        if (_spec is not { Kind: SensorKind.RunStatus } spec || _status != AutomationStatus.Running || status != spec.WatchStatus
            || (spec.WatchJob is not null && spec.WatchJob != job))
        {
            return;
        }

        await FireAsync(spec, $"run:{runId:N}", $"run {runId} ended {status.ToString().ToLowerInvariant()}", null, new Dictionary<string, string> { ["oa/watched-run"] = runId.ToString() });
    }

    private async Task LoadAsync()
    {
        var graph = await graphs.GetAsync();
        _spec = graph.Sensors.GetValueOrDefault(Name) is { } spec && spec.GrainKey == Key ? spec : null;
        if (_spec is null)
        {
            return;
        }

        var kept = await automation.GetAutomationStateAsync(RunKeys.SensorKind, Name);
        _status = kept?.Status ?? _spec.DefaultStatus;
        _cursor = kept?.Cursor;
        _lastTick ??= (await automation.ListTicksAsync(RunKeys.SensorKind, Name, null, 1)).FirstOrDefault();
    }

    private async Task ApplyStatusAsync(bool catchUp)
    {
        if (_spec is not { } spec || _status != AutomationStatus.Running)
        {
            _timer?.Dispose();
            _timer = null;
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            // Not while activating: the message that activated it would be forwarded to an activation that is going away.
            if (!_activating)
            {
                DeactivateOnIdle();
            }

            return;
        }

        switch (spec.Kind)
        {
            case SensorKind.Function:
                await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
                if (_timer is null || _timerPeriod != spec.Interval)
                {
                    _timer?.Dispose();
                    _timerPeriod = spec.Interval;
                    _timer = this.RegisterGrainTimer(_ => EvaluateAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, spec.Interval) { Interleave = false, KeepAlive = true });
                }

                break;
            case SensorKind.Asset when catchUp:
                await CatchUpAssetsAsync(spec);
                break;
        }
    }

    /// <summary>Materializations recorded while nobody held this sensor (its silo died, the cluster was down) fire now.</summary>
    private async Task CatchUpAssetsAsync(SensorSpec spec)
    {
        var seen = ReadAssetCursor(_cursor);
        if (_cursor is null)
        {
            var baseline = await AssetBaselineAsync(spec);
            await WriteAsync(new AutomationWrite(RunKeys.SensorKind, Name) { Cursor = baseline });
            _cursor = baseline;
            return;
        }

        foreach (var asset in spec.Assets)
        {
            var latest = (await assetState.ListMaterializationsAsync(asset, null, 1)).FirstOrDefault();
            if (latest is not null && seen.GetValueOrDefault(asset) != latest.RunId)
            {
                await OnMaterialized(asset, latest.RunId);
            }
        }
    }

    private async Task<string> AssetBaselineAsync(SensorSpec spec)
    {
        var seen = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var asset in spec.Assets)
        {
            if ((await assetState.ListMaterializationsAsync(asset, null, 1)).FirstOrDefault() is { } latest)
            {
                seen[asset] = latest.RunId;
            }
        }

        return JsonSerializer.Serialize(seen);
    }

    private static Dictionary<string, Guid> ReadAssetCursor(string? cursor)
    {
        try
        {
            return cursor is null ? new(StringComparer.Ordinal) : new(JsonSerializer.Deserialize<Dictionary<string, Guid>>(cursor) ?? [], StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new(StringComparer.Ordinal);
        }
    }

    /// <summary>Queues one run for an event (a materialization, a run's end); its key makes it once however often the event comes.</summary>
    private async Task FireAsync(SensorSpec spec, string requestKey, string what, string? cursor, Dictionary<string, string> tags)
    {
        var now = time.GetUtcNow();
        try
        {
            var (runIds, _) = await SubmitAsync(spec, [new SensorRunRequest(requestKey) { Tags = tags }]);
            var tick = new TickWrite(RunKeys.SensorKind, Name, now, runIds.Count > 0 ? TickStatus.Started : TickStatus.Skipped)
            {
                RunIds = runIds,
                Message = runIds.Count > 0 ? what : $"{what}: its run was made before",
                Cursor = cursor,
            };
            await writer.AppendAsync(new RunWrite(Guid.Empty) { Tick = tick, Automation = cursor is null ? null : new AutomationWrite(RunKeys.SensorKind, Name) { Cursor = cursor } });
            _cursor = cursor ?? _cursor;
            _lastTick = Record(tick);
        }
        catch (Exception e)
        {
            await RecordFailureAsync(now, $"{what}: its run could not be queued: {e.Message}", e);
        }
    }

    private async Task EvaluateAsync()
    {
        if (_spec is not { Kind: SensorKind.Function } spec || _status != AutomationStatus.Running)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_evaluation is { IsCompleted: false })
        {
            await RecordAsync(new TickWrite(RunKeys.SensorKind, Name, now, TickStatus.Skipped) { Message = "its previous evaluation has not returned yet (it timed out and ignores its cancellation token)" });
            return;
        }

        SensorResult result;
        try
        {
            var location = locations.Get(spec.CodeLocation);
            var function = location.SensorFunctions.GetValueOrDefault(Name)
                ?? throw new OrleansAssetsException($"code location '{spec.CodeLocation}' on this silo has no function for sensor '{Name}'");
            using var timeout = new CancellationTokenSource(spec.Timeout, time);
            var context = new SensorContext(Name, _cursor, loggers.CreateLogger($"OrleansAssets.Sensors.{Name}"), now, location.GetServices(services), timeout.Token);

            // User code runs off the grain's scheduler, so a blocking function cannot stall the silo's grains.
            _evaluation = Task.Run(async () => await function.Evaluate(context), timeout.Token);
            result = await _evaluation.WaitAsync(spec.Timeout, time);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            await RecordFailureAsync(now, $"its evaluation timed out after {spec.Timeout.TotalSeconds:0.#} s; its cancellation token fired", e);
            return;
        }
        catch (Exception e)
        {
            await RecordFailureAsync(now, $"its evaluation threw {e.GetType().Name}: {e.Message}", e);
            return;
        }

        try
        {
            var (runIds, refused) = await SubmitAsync(spec, result.RunRequests);
            var cursor = result.Cursor ?? _cursor;
            var tick = runIds.Count > 0
                ? new TickWrite(RunKeys.SensorKind, Name, now, TickStatus.Started) { RunIds = runIds, Cursor = cursor, Message = refused }
                : new TickWrite(RunKeys.SensorKind, Name, now, TickStatus.Skipped)
                {
                    Cursor = cursor,
                    Message = refused ?? result.SkipReason ?? (result.RunRequests.Count > 0 ? "every run it asked for was made before (their run keys ran)" : "no run requests"),
                };
            await RecordAsync(tick, cursor != _cursor ? cursor : null);
            _cursor = cursor;
        }
        catch (Exception e)
        {
            // The cursor stays: the next evaluation asks again, and what was queued now is not queued twice.
            await RecordFailureAsync(now, $"its runs could not be queued: {e.Message}", e);
        }
    }

    /// <summary>Queues each request's run unless its key ran before. A request the cluster refuses (bad config) is named.</summary>
    private async Task<(List<Guid> RunIds, string? Refused)> SubmitAsync(SensorSpec spec, IReadOnlyList<SensorRunRequest> requests)
    {
        var runIds = new List<Guid>();
        var refused = new List<string>();
        foreach (var request in requests)
        {
            var runKey = RunKeys.ForSensorRequest(Name, request.RunKey);
            if (await automation.FindRunByKeyAsync(runKey) is not null)
            {
                continue;
            }

            var tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal);
            foreach (var (key, value) in request.Tags)
            {
                tags[key] = value;
            }

            tags[RunTags.Sensor] = Name;
            tags[RunTags.SensorRunKey] = request.RunKey;
            var job = request.Job ?? (request.Selection is null ? spec.Job : null);
            try
            {
                var run = await GrainFactory.GetGrain<IRunGrain>(RunKeys.RunIdOf(runKey)).Submit(new RunRequest
                {
                    Job = job,
                    Selection = request.Selection ?? (job is null ? spec.Selection ?? "" : ""),
                    Tags = tags,
                    Config = AutomationReader.Json(request.Config),
                    RunKey = runKey,
                });
                runIds.Add(run.RunId);
            }
            catch (OrleansAssetsException e) when (e is not StorageUnavailableException and not CodeLocationUnavailableException)
            {
                refused.Add($"run key {UserText.Quote(request.RunKey)} was refused: {e.Message}");
            }
        }

        if (runIds.Count > 0)
        {
            LogRequested(logger, Name, runIds.Count);
        }

        return (runIds, refused.Count == 0 ? null : string.Join("; ", refused));
    }

    /// <summary>Writes a tick, except a skip that says what the last one said: an idle sensor does not fill the table.</summary>
    private async Task RecordAsync(TickWrite tick, string? newCursor = null)
    {
        var repeat = tick.Status == TickStatus.Skipped && _lastTick is { Status: TickStatus.Skipped } last && last.Message == tick.Message && newCursor is null;
        if (!repeat)
        {
            await writer.AppendAsync(new RunWrite(Guid.Empty)
            {
                Tick = tick,
                Automation = newCursor is null ? null : new AutomationWrite(RunKeys.SensorKind, Name) { Cursor = newCursor },
            });
        }

        _lastTick = Record(tick) with { RecordedAt = repeat ? _lastTick!.RecordedAt : time.GetUtcNow() };
    }

    private async Task RecordFailureAsync(DateTimeOffset at, string message, Exception e)
    {
        LogTickFailed(logger, e, Name, message);
        try
        {
            await RecordAsync(new TickWrite(RunKeys.SensorKind, Name, at, TickStatus.Failed) { Message = message });
        }
        catch (Exception write)
        {
            LogTickNotRecorded(logger, write, Name);
        }
    }

    private AutomationInfo Info() => AutomationInfos.Of(_spec!, _status, _cursor, _lastTick);

    private async Task<SensorSpec> RequireSpecAsync()
    {
        if (_spec is null)
        {
            await LoadAsync();
        }

        return _spec ?? throw new NotFoundException(await AutomationInfos.UnknownAsync(graphs, "sensor", Name));
    }

    private async Task WriteAsync(AutomationWrite write) => await writer.AppendAsync(new RunWrite(Guid.Empty) { Automation = write });

    private TickRecord Record(TickWrite tick) => AutomationInfos.Recorded(tick, time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Sensor {Sensor} started by {By}")]
    private static partial void LogStarted(ILogger logger, string sensor, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sensor {Sensor} stopped by {By}")]
    private static partial void LogStopped(ILogger logger, string sensor, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sensor {Sensor} queued {Count} run(s)")]
    private static partial void LogRequested(ILogger logger, string sensor, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sensor {Sensor} tick failed: {Message}")]
    private static partial void LogTickFailed(ILogger logger, Exception e, string sensor, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sensor {Sensor}: its failed tick could not be recorded")]
    private static partial void LogTickNotRecorded(ILogger logger, Exception e, string sensor);
}
