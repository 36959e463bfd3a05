using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Cluster;
using OrleansAssets.Execution;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Assets;

/// <summary>
/// Owns one asset's materialization state and each run's step of it: starts an attempt on an executor, follows
/// it, records the outcome its executor hands over (with the asset's new state, in one write), and starts another
/// attempt only when the silo running the last one is dead by the membership. Runs materialize an asset
/// concurrently (each writes its own version of the value); every change to the grain's state goes through one
/// gate, so state and storage always hold complete versions.
/// </summary>
/// <remarks>
/// What it knows of a run's step lives in memory only as long as the activation; any other activation rebuilds
/// it from the step's record in the run storage (its status, attempt and silo), which is why no call to this grain
/// waits long and why it may move at any time, as on a graceful stop.
/// </remarks>
internal sealed partial class AssetGrain(
    IRunEventWriter writer, IEventLogStore eventLog, IAssetStateStore assetState,
    AssetGraphCache graphs,
    SiloDeaths deaths,
    GracefulShutdown shutdown,
    Events.RunEventFeed feed,
    IOptions<OrleansAssetsOptions> options,
    TimeProvider time,
    ILogger<AssetGrain> logger) : Grain, IAssetGrain
{
    /// <summary>How long a run's call waits for an outcome before it is answered "not yet" and asks again.</summary>
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    /// <summary>By when an attempt's start is stored after it began, with margin: the flush interval is half a second.</summary>
    private static readonly TimeSpan UnrecordedStartStoredWithin = TimeSpan.FromSeconds(1);

    /// <summary>How often a followed attempt's record is read, for an outcome recorded by another activation (a split during failover).</summary>
    private static readonly TimeSpan RecordCheckInterval = TimeSpan.FromSeconds(15);

    /// <summary>Each upstream's latest materialization (its run and the code version it ran with), as far as this activation knows.</summary>
    private readonly Dictionary<string, (Guid Run, string? CodeVersion)> _upstreamLatest = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, StepOutcome> _recentOutcomes = [];
    private readonly Dictionary<Guid, StepTracker> _steps = [];
    private readonly SemaphoreSlim _stateGate = new(1, 1);
    private readonly CancellationTokenSource _deactivating = new();
    private readonly TaskCompletionSource _leaving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AssetGrainState _state = new();
    private int? _version;

    /// <summary>
    /// The newest materializations, newest first, once something asked for them; null until then. The stored state
    /// does not carry them (they are the asset's rows in the materialization records, the same data): each
    /// materialization rewrote them whole, and they were the largest part of every step's write.
    /// </summary>
    private List<MaterializationRecord>? _history;

    /// <summary>The catalog version whose dependencies <see cref="_upstreamLatest"/> was read for.</summary>
    private long _upstreamGraphVersion;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await assetState.GetAssetStateAsync(Key, cancellationToken) is { } stored)
        {
            Take(stored);
        }

        var graph = await graphs.GetAsync(cancellationToken);
        await ReadUpstreamAsync(graph.Find(Key)?.Dependencies ?? [], cancellationToken);
        _upstreamGraphVersion = graph.Version;
    }

    private async Task ReadUpstreamAsync(IReadOnlyCollection<string> upstream, CancellationToken cancellationToken = default)
    {
        if (upstream.Count == 0)
        {
            return;
        }

        var activity = await assetState.GetActivityAsync(upstream, cancellationToken, details: false);
        foreach (var (key, seen) in activity)
        {
            if (seen.LatestMaterialization is { } m)
            {
                _upstreamLatest[key] = (m.RunId, m.CodeVersion);
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Whatever this activation still follows is followed by the next one, from the records.
        _deactivating.Cancel();
        return Task.CompletedTask;
    }

    public async Task<AssetState> GetState()
    {
        // The code versions are the catalog's now: a code location loaded again with changed code (a new catalog
        // version) shows here without this asset being materialized or its activation renewed.
        var graph = await graphs.GetAsync();
        if (graph.Version != _upstreamGraphVersion)
        {
            // The new code may depend on assets this activation never read: read those (the rest it is told of).
            var version = graph.Version;
            await ReadUpstreamAsync([.. graph.Find(Key)?.Dependencies.Where(d => !_upstreamLatest.ContainsKey(d)) ?? []]);
            _upstreamGraphVersion = version;
        }

        var upstream = graph.Contains(Key) ? graph.UpstreamOf(Key) : _upstreamLatest.Keys;
        var reasons = AssetStatusRules.Reasons(
            // An asset the catalog does not know (its code location gone) has no loaded code to differ from.
            graph.Find(Key) is { } spec ? spec.CodeVersion : _state.Latest?.CodeVersion,
            _state.Latest,
            upstream.Select(u => new UpstreamFacts(
                u,
                graph.Find(u)?.CodeVersion,
                _upstreamLatest.TryGetValue(u, out var seen) ? seen.Run : null,
                _upstreamLatest.TryGetValue(u, out seen) ? seen.CodeVersion : null)).ToList());
        var materializing = _steps.Where(s => !s.Value.Outcome.Task.IsCompleted).Select(s => (Guid?)s.Key).FirstOrDefault();
        return new AssetState
        {
            Key = Key,
            Status = AssetStatusRules.Derive(_state.Latest, _state.LastFailure, materializing is not null, reasons),
            Latest = _state.Latest,
            History = [.. await HistoryAsync()],
            LastFailure = _state.LastFailure,
            StaleBecause = AssetStatusRules.UpstreamMaterializedSince(reasons),
            MaterializingRun = materializing,
            StaleReasons = reasons,
        };
    }

    public Task OnUpstreamMaterialized(string upstreamKey, Guid runId)
    {
        // It was just materialized, so with the code version its code location declares now.
        _upstreamLatest[upstreamKey] = (runId, graphs.Peek().Find(upstreamKey)?.CodeVersion);
        return Task.CompletedTask;
    }

    public async Task<MaterializationRecord> ReportMaterialization(MaterializationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var graph = await graphs.GetAsync();
        var spec = graph.Find(Key) ?? throw new NotFoundException(graph.Ops.ContainsKey(Key)
            ? $"'{Key}' is an op of a job, not an asset: an op materializes nothing to report."
            : graph.Assets.Count == 0 ? $"Unknown asset key '{Key}': the cluster has no assets yet." : $"Unknown asset key '{Key}'.");
        if (!spec.IsExternal)
        {
            throw new NotExternalAssetException($"Asset '{Key}' is not an external asset: runs materialize it, so there is nothing to report; start a run with: oa materialize --select {Key}");
        }

        // A retried report (its answer lost) finds the record its first attempt made: that is the answer, recorded once.
        var recorded = _history?.FirstOrDefault(h => h.RunId == report.ReportId) ?? await assetState.FindMaterializationAsync(report.ReportId, Key);
        if (recorded is null)
        {
            var metadata = new Dictionary<string, MetadataValue>(report.Metadata, StringComparer.Ordinal);

            // An external asset with deps was made from its upstream as they stand now, as far as anyone here knows:
            // recording that keeps it from reading "upstream materialized since" for upstream it has caught up with.
            var consumed = new Dictionary<string, Guid>(StringComparer.Ordinal);
            var upstream = graph.UpstreamOf(Key).ToList();
            if (upstream.Count > 0)
            {
                foreach (var (key, activity) in await assetState.GetActivityAsync(upstream, details: false))
                {
                    if (activity.LatestMaterialization is { } m)
                    {
                        consumed[key] = m.RunId;
                    }
                }
            }

            var record = new MaterializationRecord
            {
                AssetKey = Key,
                RunId = report.ReportId,
                Timestamp = DateTimeOffset.UtcNow,
                DataVersion = string.IsNullOrWhiteSpace(report.DataVersion) ? DataVersionOf(metadata) : report.DataVersion.Trim(),
                Metadata = metadata,
                CodeLocation = spec.CodeLocation,
                ConsumedUpstream = consumed,
                UpstreamCodeVersions = await ConsumedCodeVersionsAsync(consumed),
                Reported = true,
            };

            // The materialization and the asset's state in one write, with no run and so no events: a report's id
            // keys its record as a run's id does (the store records a run and asset once), and no run row exists for
            // it, so it is never listed, queued or resumed as a run.
            var written = await WriteAsync(new RunWrite(report.ReportId) { Materialization = record }, state => Adopt(state, record));
            recorded = written.Applied ? record : await assetState.FindMaterializationAsync(report.ReportId, Key) ?? record;
            if (written.Applied)
            {
                // Live views learn of materializations from run events; a report has no run log to store one in, so
                // it hands the live feed the event a run would have written (best effort, as all live events are):
                // the dashboard marks the asset materialized and its downstream stale without a reload.
                feed.Committed([Event(report.ReportId, 1, RunEventType.Materialization, "reported") with { Sequence = 1, Metadata = record.Metadata, DataVersion = record.DataVersion, Timestamp = record.Timestamp }]);
            }
        }

        // Told again on a retry too: the first attempt's notices may be what was lost, and a notice is idempotent
        // (a downstream keeps the latest run id; an asset sensor fires once per run key).
        await NotifyDownstreamAsync(report.ReportId);
        return recorded;
    }

    public async Task<StepProgress> Materialize(MaterializeRequest request)
    {
        if (_recentOutcomes.TryGetValue(request.RunId, out var known))
        {
            return new StepProgress { Outcome = known with { AlreadyRecorded = true } };
        }

        if (shutdown.IsStopping || _leaving.Task.IsCompleted)
        {
            // This activation is going: let the next call reach another one, which picks the step up from its record.
            Leave();
            return new StepProgress { Attempt = request.KnownAttempt, Silo = request.KnownSilo };
        }

        if (request.Lead is { } lead)
        {
            return new StepProgress { Outcome = await OutcomeOfLeadAsync(request.RunId, lead, request.Spec.MultiAsset) };
        }

        var tracker = Track(request.RunId);
        tracker.CodeLocation ??= request.Spec.CodeLocation;
        var driver = tracker.Driver ??= DriveAsync(request, tracker);
        var outcome = tracker.Outcome.Task;
        if (!outcome.IsCompleted && tracker.Attempt <= request.KnownAttempt)
        {
            await Task.WhenAny(outcome, driver, tracker.AttemptStarted, Task.Delay(AnswerWithin), _leaving.Task);
        }

        if (outcome.IsCompleted)
        {
            return new StepProgress { Outcome = await outcome };
        }

        if (driver.IsFaulted)
        {
            // Nothing is lost: the next call drives the step again from its record. The caller sees why it waits.
            if (ReferenceEquals(tracker.Driver, driver))
            {
                tracker.Driver = null;
            }

            await driver;
        }

        return tracker.Attempt > request.KnownAttempt
            ? new StepProgress { Attempt = tracker.Attempt, Silo = tracker.Silo }
            : new StepProgress { Attempt = request.KnownAttempt, Silo = request.KnownSilo };
    }

    public Task CancelStep(Guid runId, string by)
    {
        if (!_recentOutcomes.ContainsKey(runId))
        {
            Track(runId).RequestCancel(by);
        }

        return Task.CompletedTask;
    }

    public async Task RecordOutcome(StepReport report)
    {
        if (_recentOutcomes.ContainsKey(report.RunId))
        {
            return;
        }

        var tracker = Track(report.RunId);
        if (tracker.Outcome.Task.IsCompleted)
        {
            return;
        }

        // Whoever drives this step later must read its record: this outcome may be recorded by then.
        tracker.Driven = true;
        if (report.NotStarted)
        {
            // Nothing ran: whoever follows the attempt starts another one.
            tracker.Abandon(report.Attempt, report.Result.Error);
            return;
        }

        var result = report.Result;
        if (result is { Succeeded: false, Canceled: false } && await RetryDelayAsync(report, tracker) is { } retry)
        {
            await RecordRetryAsync(report, tracker, retry.Failures, retry.Delay);
            return;
        }

        var outcome = result switch
        {
            { Succeeded: true } => await RecordSuccessAsync(report),
            { Canceled: true } => await RecordCanceledAsync(report.RunId, report.Attempt, result.Error?.Message ?? "canceled", result.Logs, result.DurationMs, result.StartedAt, result.Silo),
            _ => await RecordFailureAsync(report.RunId, report.Attempt, result.Error, result.Logs, result.DurationMs, result.StartedAt, result.Silo),
        };
        Complete(report.RunId, tracker, outcome);
    }

    /// <summary>
    /// Deactivates as soon as no call runs; calls waiting for an outcome are answered "not yet" at once, so the
    /// next ones reach the activation that follows.
    /// </summary>
    private void Leave()
    {
        _leaving.TrySetResult();
        DeactivateOnIdle();
    }

    private StepTracker Track(Guid runId)
    {
        if (!_steps.TryGetValue(runId, out var tracker))
        {
            tracker = new StepTracker();
            _steps[runId] = tracker;
        }

        return tracker;
    }

    /// <summary>
    /// Follows the step of one run to its outcome: picks up the attempt its record names (or the one this
    /// activation started), starts a new attempt when there is none, and another one only when the silo running
    /// the last one is dead.
    /// </summary>
    private async Task DriveAsync(MaterializeRequest request, StepTracker tracker)
    {
        var stop = _deactivating.Token;
        var (attempt, silo) = (tracker.Attempt, tracker.Silo);
        if (tracker.Driven || request.MayHaveStarted)
        {
            var step = await eventLog.GetStepAsync(request.RunId, Key);
            if (step is { IsFinished: true })
            {
                Complete(request.RunId, tracker, await OutcomeFromRecordAsync(request.RunId, step));
                return;
            }

            if (step is not null && step.Attempts >= attempt)
            {
                (attempt, silo) = (step.Attempts, step.Status == StepStatus.Running ? step.Silo : null);
            }

            // The run was told of an attempt the record does not show yet (its start was not stored when the
            // activation that started it went): follow that one.
            if (request.KnownAttempt > attempt && request.KnownSilo is not null)
            {
                (attempt, silo) = (request.KnownAttempt, request.KnownSilo);
            }

            if (silo is null && await FindUnrecordedAttemptAsync(request, tracker, attempt + 1, stop) is { } found)
            {
                (attempt, silo) = found;
            }

            if (tracker.Outcome.Task.IsCompleted)
            {
                return;
            }
        }

        tracker.Driven = true;
        while (!tracker.Outcome.Task.IsCompleted && !stop.IsCancellationRequested)
        {
            if (silo is not null)
            {
                tracker.Follow(attempt, silo);
                if (!await FollowAsync(request.RunId, tracker, attempt, silo, stop))
                {
                    return;
                }

                // The attempt failed and its retry is recorded: the next one starts after the policy's wait, below.
                if (tracker.RetryAfter(attempt) is not null)
                {
                    silo = null;
                }

                // The silo is dead and with it the attempt (or the attempt never ran), unless its outcome landed just before.
                else if (await RecordLostAsync(request.RunId, tracker, attempt, silo) is { } record)
                {
                    (attempt, silo) = (record.Attempts, record.Status == StepStatus.Running ? record.Silo : null);
                    continue;
                }

                silo = null;
                if (tracker.Outcome.Task.IsCompleted)
                {
                    return;
                }
            }

            if (tracker.CancelBy is { } by)
            {
                // Canceled before an attempt could start: none will.
                Complete(request.RunId, tracker, await RecordCanceledAsync(request.RunId, attempt, $"not started: the run was canceled by {by}", [], 0, DateTimeOffset.UtcNow, silo: null));
                return;
            }

            if (tracker.RetryAfter(attempt) is { } wait)
            {
                // The policy's wait, on the silo's clock; a cancel of the run ends it at once.
                await Task.WhenAny(Task.Delay(wait, time, stop), tracker.CancelRequested);
                if (tracker.CancelBy is not null || stop.IsCancellationRequested)
                {
                    continue;
                }
            }

            attempt++;
            silo = await StartAttemptAsync(request, tracker, attempt, stop);
        }
    }

    /// <summary>
    /// Looks for attempt <paramref name="attempt"/> started by an activation before this one that left no record
    /// yet (a step's start is stored with its outcome, or after half a second): asks its executor, and failing
    /// that, reads the record again once its start would have been stored. Null when it does not run anywhere.
    /// </summary>
    private async Task<(int Attempt, string Silo)?> FindUnrecordedAttemptAsync(MaterializeRequest request, StepTracker tracker, int attempt, CancellationToken stop)
    {
        var executor = GrainFactory.GetGrain<IStepExecutorGrain>(StepExecutorKey.Create(request.Spec.CodeLocation, request.RunId, Key, attempt));
        var delay = TimeSpan.FromMilliseconds(200);
        for (var tries = 1; ; tries++)
        {
            try
            {
                if (await executor.Find() is { } found)
                {
                    return (attempt, found.Silo);
                }

                break;
            }
            catch (CodeLocationUnavailableException)
            {
                // No silo loads its code location: nothing of it can be running.
                break;
            }
            catch (Exception e) when (tries < 60 && e is not OperationCanceledException)
            {
                // Its activation was on a silo that is not declared dead yet: ask again once it is.
                LogFindFailed(logger, e, Key, request.RunId, attempt);
                await Task.Delay(delay, stop);
                delay = TimeSpan.FromMilliseconds(Math.Min(2_000, delay.TotalMilliseconds * 2));
            }
        }

        // An executor whose activation went (its directory entry lived on a silo that stopped) stores its start as
        // it goes; an attempt that had just begun stores it within the flush interval. Of a resumed run, attempts
        // without a record began before it resumed: once that interval has passed since, there is nothing to wait
        // for (a second's wait for each step held a resumed run of 10,000 steps to 16 steps a second).
        var wait = (request.UnrecordedStartsBefore ?? DateTimeOffset.UtcNow) + UnrecordedStartStoredWithin - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, stop);
        }
        var step = await eventLog.GetStepAsync(request.RunId, Key);
        if (step is { IsFinished: true })
        {
            Complete(request.RunId, tracker, await OutcomeFromRecordAsync(request.RunId, step));
            return null;
        }

        return step is { Status: StepStatus.Running, Silo: { } silo } && step.Attempts >= attempt ? (step.Attempts, silo) : null;
    }

    /// <summary>Waits for the attempt's outcome; false when it came (or this activation is going), true when its silo died.</summary>
    private async Task<bool> FollowAsync(Guid runId, StepTracker tracker, int attempt, string silo, CancellationToken stop)
    {
        var dead = deaths.WhenDead(silo);
        var going = Task.Delay(Timeout.Infinite, stop);
        Task? giveUp = null;
        while (true)
        {
            if (tracker.AbandonedAttempt(attempt) is not null || tracker.RetryAfter(attempt) is not null)
            {
                return true;
            }

            if (giveUp is null && tracker.CancelBy is not null)
            {
                // The attempt's token fires; it has the grace period (and a margin for its report) to stop.
                giveUp = Task.Delay(options.Value.CancelGracePeriod + TimeSpan.FromSeconds(5), stop);
                CancelAttemptAsync(runId, tracker.CodeLocation!, attempt).Ignore();
            }

            // Until the cancel came, it is one of the things to wait for; after, the grace period is.
            var woke = await Task.WhenAny(tracker.Outcome.Task, dead, going, tracker.AttemptAbandoned, tracker.RetryScheduled, giveUp ?? tracker.CancelRequested, Task.Delay(RecordCheckInterval));
            if (tracker.Outcome.Task.IsCompleted || woke == going)
            {
                return false;
            }

            if (woke == dead)
            {
                return true;
            }

            if (woke == giveUp)
            {
                Complete(runId, tracker, await RecordCanceledAsync(runId, attempt, $"canceled by {tracker.CancelBy}; attempt {attempt} did not report back within {options.Value.CancelGracePeriod} and was abandoned", [], 0, DateTimeOffset.UtcNow, silo));
                return false;
            }

            if (woke == tracker.AttemptAbandoned || woke == tracker.CancelRequested || woke == tracker.RetryScheduled)
            {
                continue;
            }

            if (await eventLog.GetStepAsync(runId, Key) is { IsFinished: true } step)
            {
                Complete(runId, tracker, await OutcomeFromRecordAsync(runId, step));
                return false;
            }
        }
    }

    private async Task CancelAttemptAsync(Guid runId, string codeLocation, int attempt)
    {
        try
        {
            await GrainFactory.GetGrain<IStepExecutorGrain>(StepExecutorKey.Create(codeLocation, runId, Key, attempt)).Cancel();
        }
        catch (Exception e)
        {
            // Not reached (its activation moved): the grace period ends the step all the same.
            LogCancelFailed(logger, e, Key, runId, attempt);
        }
    }

    /// <summary>
    /// Records the attempt as lost with its silo, or, past <see cref="OrleansAssetsOptions.MaxStepAttempts"/>, the
    /// step as failed. Returns the step's record when it had moved on already (an outcome, or another attempt).
    /// </summary>
    private async Task<StepSummary?> RecordLostAsync(Guid runId, StepTracker tracker, int attempt, string silo)
    {
        if (tracker.CancelBy is { } by)
        {
            // Being canceled: a lost attempt is not run again.
            Complete(runId, tracker, await RecordCanceledAsync(runId, attempt, $"canceled by {by}; attempt {attempt} ended with its silo {silo}", [], 0, DateTimeOffset.UtcNow, silo));
            return null;
        }

        // An attempt that never ran (its silo stopped first) does not count against the step's attempts.
        var notStarted = tracker.AbandonedAttempt(attempt);
        // Nor do attempts whose code failed and that its retry policy tried again: they count against the policy.
        var lost = attempt - tracker.AttemptsNotStarted - tracker.Failures;
        var giveUp = notStarted is null && lost >= Math.Max(1, options.Value.MaxStepAttempts);
        var error = notStarted ?? new StepError
        {
            Type = "OrleansAssets.AttemptLost",
            Message = $"attempt {attempt} was lost with silo {silo}, which the cluster declared dead",
        };
        var now = DateTimeOffset.UtcNow;
        var write = new RunWrite(runId)
        {
            Step = new StepWrite(Key, giveUp ? StepTransition.Failed : StepTransition.AttemptLost, attempt) { Timestamp = now, Error = error },
            Events =
            [
                Event(runId, attempt, RunEventType.StepFailed, $"{error.Message}; {(giveUp ? $"giving up after {attempt} attempt(s)" : "trying again")}") with
                {
                    Error = error,
                    WillRetry = !giveUp,
                    Silo = silo,
                },
            ],
        };
        if (notStarted is null)
        {
            LogAttemptLost(logger, Key, runId, attempt, silo);
        }

        var result = giveUp ? await WriteAsync(write, state => WithFailure(state, runId, now, error)) : await writer.AppendAsync(write);
        if (!result.Applied)
        {
            var step = await eventLog.GetStepAsync(runId, Key);
            if (step is { IsFinished: true })
            {
                Complete(runId, tracker, await OutcomeFromRecordAsync(runId, step));
                return null;
            }

            return step;
        }

        if (giveUp)
        {
            Complete(runId, tracker, new StepOutcome { Succeeded = false, Error = error });
        }

        return null;
    }

    /// <summary>Starts attempt <paramref name="attempt"/> on an executor; returns its silo, or null when the step ended without one.</summary>
    private async Task<string?> StartAttemptAsync(MaterializeRequest request, StepTracker tracker, int attempt, CancellationToken stop)
    {
        var spec = request.Spec;
        var upstreamRuns = await UpstreamRunsAsync(request);
        var missingInputs = spec.Inputs.Where(i => !upstreamRuns.ContainsKey(i)).ToList();
        if (missingInputs.Count > 0)
        {
            var error = new StepError
            {
                Type = typeof(InvalidOperationException).FullName!,
                Message = $"'{Key}' takes the value of {string.Join(", ", missingInputs.Select(i => $"'{i}'"))}, which has never been materialized; select it too (for example '+{Key}').",
            };
            Complete(request.RunId, tracker, await RecordFailureAsync(request.RunId, attempt, error, [], 0, DateTimeOffset.UtcNow, silo: null));
            return null;
        }

        var executor = GrainFactory.GetGrain<IStepExecutorGrain>(StepExecutorKey.Create(spec.CodeLocation, request.RunId, Key, attempt));
        var executionRequest = new StepExecutionRequest
        {
            RunId = request.RunId,
            Spec = spec,
            Attempt = attempt,
            InputRuns = spec.Inputs.ToDictionary(i => i, i => upstreamRuns[i], StringComparer.Ordinal),
            ConsumedUpstream = upstreamRuns,
            Config = request.Config,
            Outputs = request.Outputs,
        };
        var waitingSince = Stopwatch.StartNew();
        var announced = false;
        for (var failures = 0; ; )
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                // Starting the same attempt twice is harmless: an executor runs its attempt once and reports where.
                return (await executor.Start(executionRequest)).Silo;
            }
            catch (CodeLocationUnavailableException e) when (waitingSince.Elapsed < options.Value.CodeLocationWaitTimeout)
            {
                if (!announced)
                {
                    announced = true;
                    await writer.AppendAsync(new RunWrite(request.RunId)
                    {
                        Events = [Event(request.RunId, attempt, RunEventType.StepWaiting, $"{e.Message} Waiting up to {options.Value.CodeLocationWaitTimeout} for one to join.")],
                    });
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (CodeLocationUnavailableException e)
            {
                var error = new StepError { Type = e.GetType().FullName!, Message = $"{e.Message} Gave up after {options.Value.CodeLocationWaitTimeout}." };
                Complete(request.RunId, tracker, await RecordFailureAsync(request.RunId, attempt, error, [], 0, DateTimeOffset.UtcNow, silo: null));
                return null;
            }
            catch (SiloStoppingException)
            {
                // Placed on a silo that is leaving: its activation is gone now, so this places the attempt afresh.
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
            }
            catch (Exception e) when (++failures < 20 && e is not OperationCanceledException)
            {
                LogStartFailed(logger, e, Key, request.RunId, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * (1 << Math.Min(6, failures)))), stop);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var error = StepError.FromException(e, fromUserCode: false);
                Complete(request.RunId, tracker, await RecordFailureAsync(request.RunId, attempt, error, [], 0, DateTimeOffset.UtcNow, silo: null));
                return null;
            }
        }
    }

    /// <summary>
    /// This asset is an output of a multi-asset whose step ran as <paramref name="lead"/>'s, and succeeded: the lead
    /// recorded this output before its own outcome, so the record is there.
    /// </summary>
    private async Task<StepOutcome> OutcomeOfLeadAsync(Guid runId, string lead, string? multiAsset)
    {
        var step = await eventLog.GetStepAsync(runId, Key);
        if (step is { IsFinished: true })
        {
            var outcome = await OutcomeFromRecordAsync(runId, step);
            Remember(runId, outcome);
            return outcome;
        }

        var error = new StepError
        {
            Type = "OrleansAssets.MultiAssetOutputMissing",
            Message = $"multi-asset '{multiAsset}' ran as step '{lead}' but recorded nothing for its output '{Key}'",
        };
        var failed = await RecordFailureAsync(runId, 0, error, [], 0, DateTimeOffset.UtcNow, silo: null);
        Remember(runId, failed);
        return failed;
    }

    /// <summary>
    /// A multi-asset's step hands each other output to that output's asset grain, which records it as its own
    /// materialization, before its own outcome: so the step is recorded as done only once every output is, and a
    /// handover repeated after a failure records nothing twice.
    /// </summary>
    private async Task RecordSiblingsAsync(StepReport report)
    {
        var graph = graphs.Peek();
        await Task.WhenAll(report.Result.Outputs.Select(output =>
        {
            var spec = graph.Find(output.AssetKey) ?? report.Spec with { Key = output.AssetKey };
            return GrainFactory.GetGrain<IAssetGrain>(output.AssetKey).RecordOutcome(new StepReport
            {
                RunId = report.RunId,
                Attempt = report.Attempt,
                Spec = spec,
                ConsumedUpstream = report.ConsumedUpstream.Where(c => spec.Dependencies.Contains(c.Key, StringComparer.Ordinal)).ToDictionary(StringComparer.Ordinal),
                StartStored = true,
                Result = new StepExecutionResult
                {
                    Succeeded = true,
                    StartedAt = report.Result.StartedAt,
                    DurationMs = report.Result.DurationMs,
                    Silo = report.Result.Silo,
                    Metadata = output.Metadata,
                    DataVersion = output.DataVersion,
                    ValueLocation = output.ValueLocation,
                },
            });
        }));
    }

    private async Task<StepOutcome> RecordSuccessAsync(StepReport report)
    {
        var result = report.Result;
        if (report.Spec.Kind == StepKind.Op)
        {
            return await RecordOpSuccessAsync(report);
        }

        if (result.Outputs.Count > 0)
        {
            await RecordSiblingsAsync(report);
        }

        var record = new MaterializationRecord
        {
            CodeVersion = report.Spec.CodeVersion,
            UpstreamCodeVersions = await ConsumedCodeVersionsAsync(report.ConsumedUpstream),
            AssetKey = Key,
            RunId = report.RunId,
            Timestamp = DateTimeOffset.UtcNow,
            DurationMs = result.DurationMs,
            DataVersion = result.DataVersion ?? DataVersionOf(result.Metadata),
            Metadata = result.Metadata,
            ConsumedUpstream = report.ConsumedUpstream,
            CodeLocation = report.Spec.CodeLocation,
            Attempt = report.Attempt,
            ValueLocation = result.ValueLocation,
        };
        var outcome = new RunWrite(report.RunId)
        {
            Step = new StepWrite(Key, StepTransition.Succeeded, report.Attempt)
            {
                Timestamp = record.Timestamp,
                StartedAt = result.StartedAt,
                DurationMs = result.DurationMs,
                Silo = result.Silo,
            },
            Materialization = record,
            Events =
            [
                .. result.Logs,
                Event(report.RunId, report.Attempt, RunEventType.Materialization, null) with { Metadata = record.Metadata, DataVersion = record.DataVersion },
                Event(report.RunId, report.Attempt, RunEventType.StepSucceeded, result.Silo is null ? null : $"on {result.Silo}") with
                {
                    DurationMs = result.DurationMs,
                    Silo = result.Silo,
                },
            ],
        };
        if (!(await WriteAsync(outcome, state => Adopt(state, record))).Applied)
        {
            // Recorded before (this outcome handed over twice, or another attempt's first): report that one, never a second.
            return await OutcomeFromRecordAsync(report.RunId, await eventLog.GetStepAsync(report.RunId, Key));
        }

        foreach (var (upstream, run) in report.ConsumedUpstream)
        {
            _upstreamLatest[upstream] = (run, record.UpstreamCodeVersions.GetValueOrDefault(upstream));
        }

        await NotifyDownstreamAsync(report.RunId);
        return new StepOutcome { Succeeded = true, Materialization = record };
    }

    /// <summary>An op materializes nothing: its step succeeds, with its metadata on the event, and no asset state changes.</summary>
    private async Task<StepOutcome> RecordOpSuccessAsync(StepReport report)
    {
        var result = report.Result;
        var written = await writer.AppendAsync(new RunWrite(report.RunId)
        {
            Step = new StepWrite(Key, StepTransition.Succeeded, report.Attempt) { Timestamp = DateTimeOffset.UtcNow, StartedAt = result.StartedAt, DurationMs = result.DurationMs, Silo = result.Silo },
            Events =
            [
                .. result.Logs,
                Event(report.RunId, report.Attempt, RunEventType.StepSucceeded, result.Silo is null ? null : $"on {result.Silo}") with
                {
                    DurationMs = result.DurationMs,
                    Silo = result.Silo,
                    Metadata = result.Metadata.Count == 0 ? null : result.Metadata,
                },
            ],
        });
        return written.Applied
            ? new StepOutcome { Succeeded = true }
            : await OutcomeFromRecordAsync(report.RunId, await eventLog.GetStepAsync(report.RunId, Key));
    }

    /// <summary>
    /// The wait before the next attempt when the step's retry policy tries this failure again; null when the step
    /// fails for good (no policy, its attempts used up, an exception type it never retries, the run being canceled).
    /// </summary>
    private async Task<(int Failures, TimeSpan Delay)?> RetryDelayAsync(StepReport report, StepTracker tracker)
    {
        if (report.Spec.Retry is not { MaxAttempts: > 1 } policy || report.Result.NeverRetry || tracker.CancelBy is not null)
        {
            return null;
        }

        if (tracker.Failures == 0 && report.Attempt > 1)
        {
            // A fresh activation: count the failures recorded before it (attempts lost with a silo do not count).
            var events = await eventLog.GetEventsAsync(report.RunId, 0, 100_000, includeLogs: false);
            tracker.Failures = events.Count(e => e.AssetKey == Key && e.Type == RunEventType.StepFailed && e.WillRetry && e.Error?.Type != "OrleansAssets.AttemptLost" && e.Attempt < report.Attempt);
        }

        var failures = tracker.Failures + 1;
        return failures < policy.MaxAttempts ? (failures, policy.DelayAfter(failures, Random.Shared.NextDouble())) : null;
    }

    /// <summary>
    /// Records the failed attempt and that the step will be tried again (its record goes back to pending, as for an
    /// attempt lost with its silo), then has the step's driver start the next attempt after <paramref name="delay"/>.
    /// </summary>
    private async Task RecordRetryAsync(StepReport report, StepTracker tracker, int failures, TimeSpan delay)
    {
        var result = report.Result;
        var error = result.Error ?? new StepError { Type = "Unknown", Message = "The step failed without an error." };
        var max = report.Spec.Retry!.MaxAttempts;
        var written = await writer.AppendAsync(new RunWrite(report.RunId)
        {
            Step = new StepWrite(Key, StepTransition.AttemptLost, report.Attempt) { Timestamp = DateTimeOffset.UtcNow, StartedAt = result.StartedAt, DurationMs = result.DurationMs, Error = error, Silo = result.Silo },
            Events =
            [
                .. result.Logs,
                Event(report.RunId, report.Attempt, RunEventType.StepFailed, $"{error}; failure {failures} of {max} allowed, trying again in {UserText.Duration(delay)}") with
                {
                    Error = error,
                    WillRetry = true,
                    DurationMs = result.DurationMs,
                    Silo = result.Silo,
                    Metadata = new() { ["retry_delay_ms"] = MetadataValue.Int((long)delay.TotalMilliseconds), ["failures"] = MetadataValue.Int(failures), ["max_attempts"] = MetadataValue.Int(max) },
                },
            ],
        });
        if (!written.Applied)
        {
            // The step moved on first (an outcome recorded by another activation): that is its outcome.
            if (await eventLog.GetStepAsync(report.RunId, Key) is { IsFinished: true } step)
            {
                Complete(report.RunId, tracker, await OutcomeFromRecordAsync(report.RunId, step));
            }

            return;
        }

        LogRetrying(logger, Key, report.RunId, report.Attempt, delay, error.ToString());
        tracker.Failures = failures;
        tracker.ScheduleRetry(report.Attempt, delay);
    }

    private async Task<StepOutcome> RecordFailureAsync(Guid runId, int attempt, StepError? error, List<RunEvent> logs, double durationMs, DateTimeOffset startedAt, string? silo)
    {
        error ??= new StepError { Type = "Unknown", Message = "The step failed without an error." };
        var now = DateTimeOffset.UtcNow;
        var result = await WriteAsync(
            new RunWrite(runId)
            {
                Step = new StepWrite(Key, StepTransition.Failed, attempt) { Timestamp = now, StartedAt = startedAt, DurationMs = durationMs, Error = error, Silo = silo },
                Events = [.. logs, Event(runId, attempt, RunEventType.StepFailed, error.ToString()) with { Error = error, DurationMs = durationMs, Silo = silo }],
            },
            state => WithFailure(state, runId, now, error));
        if (!result.Applied)
        {
            return await OutcomeFromRecordAsync(runId, await eventLog.GetStepAsync(runId, Key));
        }

        LogStepFailed(logger, Key, runId, error.ToString());
        return new StepOutcome { Succeeded = false, Error = error };
    }

    /// <summary>The step ends canceled: no materialization, the asset's state unchanged.</summary>
    private async Task<StepOutcome> RecordCanceledAsync(Guid runId, int attempt, string why, List<RunEvent> logs, double durationMs, DateTimeOffset startedAt, string? silo)
    {
        var result = await writer.AppendAsync(new RunWrite(runId)
        {
            Step = new StepWrite(Key, StepTransition.Canceled, attempt) { Timestamp = DateTimeOffset.UtcNow, StartedAt = startedAt, DurationMs = durationMs, Silo = silo },
            Events = [.. logs, Event(runId, attempt, RunEventType.StepCanceled, why) with { DurationMs = durationMs > 0 ? durationMs : null, Silo = silo }],
        });
        return result.Applied
            ? new StepOutcome { Succeeded = false, Canceled = true, Error = new StepError { Type = "OrleansAssets.Canceled", Message = why } }
            : await OutcomeFromRecordAsync(runId, await eventLog.GetStepAsync(runId, Key));
    }

    private static AssetGrainState WithFailure(AssetGrainState state, Guid runId, DateTimeOffset at, StepError error)
    {
        state.LastFailure = new FailureRecord { RunId = runId, Timestamp = at, Error = error };
        return state;
    }

    /// <summary>The outcome a finished step's record tells (its materialization, or its error).</summary>
    private async Task<StepOutcome> OutcomeFromRecordAsync(Guid runId, StepSummary? step)
    {
        if (step?.Status == StepStatus.Success && graphs.Peek().Ops.ContainsKey(Key))
        {
            return new StepOutcome { Succeeded = true, AlreadyRecorded = true };
        }

        if (step?.Status == StepStatus.Success && await assetState.FindMaterializationAsync(runId, Key) is { } materialization)
        {
            if (_state.Latest?.RunId != runId && (_history is null || _history.TrueForAll(h => h.RunId != runId)))
            {
                // Recorded by an activation before this one: take it into this activation's state.
                await WriteAsync(new RunWrite(runId), state => Adopt(state, materialization));
            }

            return new StepOutcome { Succeeded = true, Materialization = materialization, AlreadyRecorded = true };
        }

        return new StepOutcome
        {
            Succeeded = false,
            Canceled = step?.Status == StepStatus.Canceled,
            AlreadyRecorded = true,
            Error = step?.Error ?? new StepError { Type = "Unknown", Message = $"The step of '{Key}' ended {step?.Status.ToString() ?? "without a record"}." },
        };
    }

    private void Complete(Guid runId, StepTracker tracker, StepOutcome outcome)
    {
        Remember(runId, outcome);
        if (_steps.TryGetValue(runId, out var current) && ReferenceEquals(current, tracker))
        {
            _steps.Remove(runId);
        }

        tracker.Outcome.TrySetResult(outcome);
    }

    /// <summary>
    /// Writes <paramref name="write"/> with the state <paramref name="change"/> makes, one change at a time:
    /// concurrent materializations interleave, and each builds on the state the previous one stored.
    /// </summary>
    private async Task<RunWriteResult> WriteAsync(RunWrite write, Func<AssetGrainState, AssetGrainState> change)
    {
        await _stateGate.WaitAsync();
        try
        {
            var next = change(new AssetGrainState { Latest = _state.Latest, History = _history is null ? [] : [.. _history], LastFailure = _state.LastFailure });
            var written = new AssetGrainState { Latest = next.Latest, LastFailure = next.LastFailure };
            RunWriteResult result;
            try
            {
                result = await writer.AppendAsync(write with { AssetState = new AssetStateWrite(Key, _version, written) });
            }
            catch (AssetStateConflictException)
            {
                // Another activation wrote this asset's state (a split during failover): start again from storage.
                Leave();
                throw;
            }

            if (result.AssetStateVersion is { } version)
            {
                (_state, _version) = (written, version);
                _history = _history is null ? null : next.History;
            }
            else if (await assetState.GetAssetStateAsync(Key) is { } stored)
            {
                // The step was recorded already, with the state that went with it: take that.
                Take(stored);
            }

            return result;
        }
        finally
        {
            _stateGate.Release();
        }
    }

    /// <summary>
    /// For each upstream asset, the run whose materialization this step consumes: this run's when the upstream
    /// was materialized earlier in it, otherwise the upstream's latest.
    /// </summary>
    private async Task<Dictionary<string, Guid>> UpstreamRunsAsync(MaterializeRequest request)
    {
        var runs = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var elsewhere = new List<string>();
        foreach (var upstream in request.Spec.Dependencies)
        {
            if (request.UpstreamInRun.Contains(upstream))
            {
                runs[upstream] = request.RunId;
            }
            else if (request.PinnedUpstream.TryGetValue(upstream, out var reused))
            {
                runs[upstream] = reused;
            }
            else
            {
                elsewhere.Add(upstream);
            }
        }

        if (elsewhere.Count > 0)
        {
            var activity = await assetState.GetActivityAsync(elsewhere);
            foreach (var upstream in elsewhere)
            {
                if (activity.GetValueOrDefault(upstream)?.LatestMaterialization is { } m)
                {
                    runs[upstream] = m.RunId;
                }
            }
        }

        return runs;
    }

    /// <summary>
    /// The code version of each upstream materialization a step consumed, so its record tells which code made its
    /// inputs. Usually each is the upstream's latest (one read); one materialized since is looked up by its run.
    /// </summary>
    private async Task<Dictionary<string, string?>> ConsumedCodeVersionsAsync(Dictionary<string, Guid> consumed)
    {
        var versions = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (consumed.Count == 0)
        {
            return versions;
        }

        var activity = await assetState.GetActivityAsync([.. consumed.Keys], details: false);
        foreach (var (upstream, run) in consumed)
        {
            if (activity.GetValueOrDefault(upstream)?.LatestMaterialization is { } latest && latest.RunId == run)
            {
                versions[upstream] = latest.CodeVersion;
            }
            else if (await assetState.FindMaterializationAsync(run, upstream) is { } found)
            {
                versions[upstream] = found.CodeVersion;
            }
        }

        return versions;
    }

    private async Task NotifyDownstreamAsync(Guid runId)
    {
        var graph = await graphs.GetAsync();

        // Sensors first: an asset sensor's run is queued within milliseconds of this commit.
        foreach (var sensor in graph.AssetSensorsOf(Key))
        {
            GrainFactory.GetGrain<Automation.ISensorGrain>(sensor).OnMaterialized(Key, runId).Ignore();
        }

        var calls = graph.DownstreamOf(Key).Select(d => GrainFactory.GetGrain<IAssetGrain>(d).OnUpstreamMaterialized(Key, runId));
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception e)
        {
            // Staleness is also derived from the run storage when a grain activates, so a lost notice costs nothing durable.
            LogNotifyFailed(logger, e, Key);
        }
    }

    private AssetGrainState Adopt(AssetGrainState state, MaterializationRecord record)
    {
        var history = state.History;
        history.RemoveAll(h => h.RunId == record.RunId);
        history.Add(record);
        history.Sort((a, b) => b.Timestamp.CompareTo(a.Timestamp));
        if (history.Count > options.Value.AssetHistoryLength)
        {
            history.RemoveRange(options.Value.AssetHistoryLength, history.Count - options.Value.AssetHistoryLength);
        }

        // Without the history read, the latest is the newer of the one known and this one.
        state.Latest = state.Latest is { } known && known.RunId != record.RunId && known.Timestamp > history[0].Timestamp ? known : history[0];
        return state;
    }

    /// <summary>The stored state, and the history it carries when it was stored by a version that kept one.</summary>
    private void Take(StoredAssetState stored)
    {
        (_state, _version) = (new AssetGrainState { Latest = stored.State.Latest, LastFailure = stored.State.LastFailure }, stored.Version);
        _history = stored.State.History.Count > 0 ? [.. stored.State.History] : null;
    }

    /// <summary>The newest materializations, read once per activation, in turn with the writes so none is missed.</summary>
    private async Task<List<MaterializationRecord>> HistoryAsync()
    {
        if (_history is { } known)
        {
            return known;
        }

        await _stateGate.WaitAsync();
        try
        {
            return _history ??= [.. await assetState.ListMaterializationsAsync(Key, null, options.Value.AssetHistoryLength)];
        }
        finally
        {
            _stateGate.Release();
        }
    }

    private void Remember(Guid runId, StepOutcome outcome)
    {
        // A few recent outcomes answer a repeated call without a storage round trip.
        if (_recentOutcomes.Count >= 256)
        {
            _recentOutcomes.Clear();
        }

        _recentOutcomes[runId] = outcome;
    }

    private RunEvent Event(Guid runId, int attempt, RunEventType type, string? message) => new()
    {
        RunId = runId,
        Timestamp = DateTimeOffset.UtcNow,
        Type = type,
        AssetKey = Key,
        Message = message,
        Attempt = attempt,
    };

    /// <summary>An asset that stores its own data has no bytes here to hash; its metadata stands for its content.</summary>
    private static string DataVersionOf(Dictionary<string, MetadataValue> metadata)
    {
        var canonical = JsonSerializer.Serialize(new SortedDictionary<string, MetadataValue>(metadata, StringComparer.Ordinal), JsonDefaults.Web);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    /// <summary>One run's step of this asset, as this activation follows it.</summary>
    private sealed class StepTracker
    {
        public TaskCompletionSource<StepOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The loop following the step; null while nobody drives it (a fresh tracker, or after a storage error).</summary>
        public Task? Driver { get; set; }

        /// <summary>Driven before: any later drive reads the step's record first.</summary>
        public bool Driven { get; set; }

        private TaskCompletionSource _attemptStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Attempt { get; private set; }

        public string? Silo { get; private set; }

        private readonly Dictionary<int, StepError> _notStarted = [];
        private readonly TaskCompletionSource _cancelRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Who canceled the step's run, once someone did.</summary>
        public string? CancelBy { get; private set; }

        public Task CancelRequested => _cancelRequested.Task;

        /// <summary>The code location of the step's attempts, once a request named it.</summary>
        public string? CodeLocation { get; set; }

        public void RequestCancel(string by)
        {
            CancelBy ??= by;
            _cancelRequested.TrySetResult();
        }
        private TaskCompletionSource _attemptAbandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when an attempt reports that it never ran (its silo began to stop first).</summary>
        public Task AttemptAbandoned => _attemptAbandoned.Task;

        public int AttemptsNotStarted => _notStarted.Count;

        public StepError? AbandonedAttempt(int attempt) => _notStarted.GetValueOrDefault(attempt);

        public void Abandon(int attempt, StepError? why)
        {
            _notStarted[attempt] = why ?? new StepError { Type = "OrleansAssets.AttemptNotStarted", Message = $"attempt {attempt} did not start" };
            var abandoned = _attemptAbandoned;
            _attemptAbandoned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            abandoned.TrySetResult();
        }

        private readonly Dictionary<int, TimeSpan> _retries = [];
        private TaskCompletionSource _retryScheduled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Failures of the step's code so far in this run, as its retry policy counts them.</summary>
        public int Failures { get; set; }

        /// <summary>Completes when a failed attempt's retry is recorded.</summary>
        public Task RetryScheduled => _retryScheduled.Task;

        /// <summary>The wait before the attempt after <paramref name="attempt"/>, when that attempt failed and is retried.</summary>
        public TimeSpan? RetryAfter(int attempt) => _retries.TryGetValue(attempt, out var wait) ? wait : null;

        public void ScheduleRetry(int attempt, TimeSpan wait)
        {
            _retries[attempt] = wait;
            var scheduled = _retryScheduled;
            _retryScheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            scheduled.TrySetResult();
        }

        /// <summary>Completes when the next attempt starts (or is picked up), so the run learns of it at once.</summary>
        public Task AttemptStarted => _attemptStarted.Task;

        public void Follow(int attempt, string silo)
        {
            if ((Attempt, Silo) == (attempt, silo))
            {
                return;
            }

            (Attempt, Silo) = (attempt, silo);
            var started = _attemptStarted;
            _attemptStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            started.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {AssetKey} of run {RunId}: attempt {Attempt} failed, trying again in {Delay}: {Error}")]
    private static partial void LogRetrying(ILogger logger, string assetKey, Guid runId, int attempt, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset {AssetKey} failed in run {RunId}: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string assetKey, Guid runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset {AssetKey} could not notify its downstream assets")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string assetKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId}: attempt {Attempt} was lost with silo {Silo}")]
    private static partial void LogAttemptLost(ILogger logger, string assetKey, Guid runId, int attempt, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId}: attempt {Attempt} could not be told to stop")]
    private static partial void LogCancelFailed(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Step {AssetKey} of run {RunId}: could not ask where attempt {Attempt} runs; asking again")]
    private static partial void LogFindFailed(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId}: attempt {Attempt} could not be started; trying again")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt);
}
