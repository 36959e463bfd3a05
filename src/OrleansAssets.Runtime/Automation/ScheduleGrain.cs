using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Automation;

/// <summary>
/// One schedule (keyed by its name). A durable reminder (every minute, on Postgres in a cluster) brings it back on a
/// survivor when its silo goes; while active, a grain timer wakes it at each tick, so ticks closer than a minute
/// apart are on time. Its durable state is in the run storage: its status (once someone started or stopped it),
/// its cursor (the newest tick it handled) and its ticks. A tick's run has an id derived from the schedule and the
/// tick's time, and the tick is recorded in the run's first write, so a tick makes one run however often it is
/// handled.
/// </summary>
internal sealed partial class ScheduleGrain(
    IRunEventWriter writer, IAutomationStore automation,
    AssetGraphCache graphs,
    IOptions<OrleansAssetsOptions> options,
    TimeProvider time,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    private const string ReminderName = "oa.schedule";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>The longest a timer is set for; a far tick is reached in steps (and the spec read again on the way).</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan TimerMargin = TimeSpan.FromMilliseconds(5);

    private ScheduleSpec? _spec;
    private CronExpression? _cron;
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    private AutomationStatus _status;
    private DateTimeOffset? _cursor;
    private TickRecord? _lastTick;
    private IGrainTimer? _timer;
    private bool _activating;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync();
        _activating = true;
        try
        {
            await ApplyStatusAsync();
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
            // Ticks before now are not made up: a schedule starts from the moment it is started.
            var now = time.GetUtcNow();
            await WriteAsync(new AutomationWrite(RunKeys.ScheduleKind, Name) { Status = AutomationStatus.Running, Cursor = Format(now), StartedAt = now });
            (_status, _cursor) = (AutomationStatus.Running, now);
            LogStarted(logger, spec.Name, UserText.Shorten(by));
        }

        await ApplyStatusAsync();
        return Info();
    }

    public async Task<AutomationInfo> Stop(string by)
    {
        var spec = await RequireSpecAsync();
        if (_status != AutomationStatus.Stopped)
        {
            await WriteAsync(new AutomationWrite(RunKeys.ScheduleKind, Name) { Status = AutomationStatus.Stopped });
            _status = AutomationStatus.Stopped;
            LogStopped(logger, spec.Name, UserText.Shorten(by));
        }

        await ApplyStatusAsync();
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
        await ApplyStatusAsync();
    }

    public async Task<List<TickRecord>> GetTicks(DateTimeOffset? before, int limit) =>
        [.. await automation.ListTicksAsync(RunKeys.ScheduleKind, Name, before, Math.Clamp(limit, 1, 1000))];

    public async Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        await LoadAsync();
        await ApplyStatusAsync();
    }

    private async Task LoadAsync()
    {
        var graph = await graphs.GetAsync();
        var spec = graph.Schedules.GetValueOrDefault(Name);
        if (spec is not null && (_spec is null || !ReferenceEquals(spec, _spec)))
        {
            _cron = ScheduleClock.ParseCron(spec.Cron);
            _zone = ScheduleClock.FindZone(spec.TimeZone);
        }

        _spec = spec;
        if (spec is null)
        {
            return;
        }

        var kept = await automation.GetAutomationStateAsync(RunKeys.ScheduleKind, Name);
        _status = kept?.Status ?? spec.DefaultStatus;
        _cursor = kept?.Cursor is { } cursor && DateTimeOffset.TryParse(cursor, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : null;
        _lastTick ??= (await automation.ListTicksAsync(RunKeys.ScheduleKind, Name, null, 1)).FirstOrDefault();
        if (_status == AutomationStatus.Running && _cursor is null)
        {
            // Running by default and never started: it begins now, and remembers it, so a move to another silo
            // does not lose the ticks in between.
            var now = time.GetUtcNow();
            await WriteAsync(new AutomationWrite(RunKeys.ScheduleKind, Name) { Cursor = Format(now), StartedAt = now });
            _cursor = now;
        }
    }

    /// <summary>Running: the reminder is registered, missed ticks are handled, the timer waits for the next one. Else none of it.</summary>
    private async Task ApplyStatusAsync()
    {
        if (_spec is null || _status != AutomationStatus.Running)
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

        await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        await TickAsync();
    }

    private async Task OnTimerAsync()
    {
        if (_spec is not null && _status == AutomationStatus.Running)
        {
            await TickAsync();
        }
    }

    /// <summary>Handles every tick due since the cursor, then sets the timer for the next one.</summary>
    private async Task TickAsync()
    {
        var spec = _spec!;
        var retry = false;
        try
        {
            var now = time.GetUtcNow();
            var decisions = ScheduleTicker.Plan(spec, _cron!, _zone, _cursor ?? now, now, options.Value.Automation.MisfireAfter);
            var skipped = new List<TickWrite>();
            foreach (var decision in decisions)
            {
                if (decision.Run)
                {
                    await flushSkipped();
                    _lastTick = await SubmitAsync(spec, decision.Tick);
                }
                else
                {
                    skipped.Add(new TickWrite(RunKeys.ScheduleKind, Name, decision.Tick, TickStatus.Skipped) { Message = decision.SkipReason });
                }

                _cursor = decision.Tick;
            }

            await flushSkipped();
            if (decisions.Count > 0)
            {
                await WriteAsync(new AutomationWrite(RunKeys.ScheduleKind, Name) { Cursor = Format(_cursor!.Value) });
            }

            async Task flushSkipped()
            {
                if (skipped.Count == 0)
                {
                    return;
                }

                await Task.WhenAll(skipped.Select(t => writer.AppendAsync(new RunWrite(Guid.Empty) { Tick = t })));
                _lastTick = Record(skipped[^1]);
                skipped.Clear();
            }
        }
        catch (Exception e)
        {
            // The storage is away or the run grain could not be reached: the cursor stays, the ticks are tried again.
            LogTickFailed(logger, e, Name);
            retry = true;
        }

        Arm(retry ? TimeSpan.FromSeconds(2) : null);
    }

    /// <summary>Submits a tick's run; a run that cannot be made (a bad config, a job gone) is a failed tick, recorded.</summary>
    private async Task<TickRecord> SubmitAsync(ScheduleSpec spec, DateTimeOffset tick)
    {
        var runKey = RunKeys.ForScheduleTick(spec.Name, tick);
        var runId = RunKeys.RunIdOf(runKey);
        var tags = new Dictionary<string, string>(spec.Tags, StringComparer.Ordinal)
        {
            [RunTags.Schedule] = spec.Name,
            [RunTags.Tick] = ScheduleClock.Format(tick),
        };
        try
        {
            var run = await GrainFactory.GetGrain<IRunGrain>(runId).Submit(new RunRequest
            {
                Job = spec.Job,
                Selection = spec.Selection ?? "",
                Tags = tags,
                Config = spec.Config,
                RunKey = runKey,
                Tick = new TickSubmission { Kind = RunKeys.ScheduleKind, Name = spec.Name, At = tick },
            });
            LogTickRun(logger, spec.Name, ScheduleClock.Format(tick), run.RunId, (run.CreatedAt - tick).TotalMilliseconds);
            return new TickRecord { Name = spec.Name, At = tick, Status = TickStatus.Started, RunIds = [run.RunId], RecordedAt = run.CreatedAt };
        }
        catch (OrleansAssetsException e) when (e is not StorageUnavailableException and not CodeLocationUnavailableException)
        {
            var failed = new TickWrite(RunKeys.ScheduleKind, Name, tick, TickStatus.Failed) { Message = $"its run could not be made: {e.Message}" };
            await writer.AppendAsync(new RunWrite(Guid.Empty) { Tick = failed });
            LogTickRefused(logger, spec.Name, ScheduleClock.Format(tick), e.Message);
            return Record(failed);
        }
    }

    private void Arm(TimeSpan? after)
    {
        var now = time.GetUtcNow();
        // A grain timer keeps the monotonic clock and ticks are wall-clock times: aimed exactly at a tick, it can wake a
        // millisecond early, find nothing due, and leave the tick to the next wake-up a whole period later.
        var due = after ?? (_cron!.GetNextOccurrence(now, _zone) is { } next ? next - now + TimerMargin : MaxTimerDue);
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxTimerDue ? MaxTimerDue : due;
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(_ => OnTimerAsync(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = false, KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private AutomationInfo Info() => AutomationInfos.Of(_spec!, _status, _cursor?.ToString("O"), _lastTick, time.GetUtcNow());

    private async Task<ScheduleSpec> RequireSpecAsync()
    {
        if (_spec is null)
        {
            await LoadAsync();
        }

        return _spec ?? throw new NotFoundException(await AutomationInfos.UnknownAsync(graphs, "schedule", Name));
    }

    private async Task WriteAsync(AutomationWrite write) => await writer.AppendAsync(new RunWrite(Guid.Empty) { Automation = write });

    private TickRecord Record(TickWrite tick) => AutomationInfos.Recorded(tick, time.GetUtcNow());

    private static string Format(DateTimeOffset at) => at.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} started by {By}")]
    private static partial void LogStarted(ILogger logger, string schedule, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} stopped by {By}")]
    private static partial void LogStopped(ILogger logger, string schedule, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} tick {Tick}: run {RunId} queued {LatenessMs:0.0} ms after its time")]
    private static partial void LogTickRun(ILogger logger, string schedule, string tick, Guid runId, double latenessMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} tick {Tick} failed: {Error}")]
    private static partial void LogTickRefused(ILogger logger, string schedule, string tick, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} could not handle its due ticks; trying again")]
    private static partial void LogTickFailed(ILogger logger, Exception e, string schedule);
}
