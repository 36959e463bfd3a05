using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Assets;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Selection;
using OrleansAssets.Storage;

namespace OrleansAssets.Runs;

/// <summary>
/// Drives one run. Its durable state is the run's record and event log in the run storage, so it keeps no grain
/// state of its own: a run whose silo died resumes anywhere by reading its events back.
/// </summary>
internal sealed partial class RunGrain(
    IRunStore store,
    AssetGraphCache graphs,
    IOptions<OrleansAssetsOptions> options,
    TimeProvider time,
    ILogger<RunGrain> logger) : Grain, IRunGrain
{
    private RunRecord? _run;
    private Task? _execution;

    private Guid RunId => this.GetPrimaryKey();

    public async Task<RunRecord> Submit(RunRequest request)
    {
        if (_run is not null)
        {
            return _run;
        }

        if (await store.GetRunAsync(RunId) is { } existing)
        {
            // The client retried a submit whose answer it lost: the run exists already.
            _run = existing;
            await Resume();
            return existing;
        }

        var graph = await graphs.GetAsync();
        var keys = AssetSelection.Parse(request.Selection).Resolve(graph);
        var now = time.GetUtcNow();

        // Nothing queues runs yet, so a run starts as it is recorded: one write for both.
        var run = new RunRecord
        {
            RunId = RunId,
            Status = RunStatus.Started,
            Selection = request.Selection,
            AssetKeys = [.. keys],
            Tags = request.Tags,
            CreatedAt = now,
            StartedAt = now,
        };
        await store.AppendAsync(new RunWrite(RunId)
        {
            Run = run,
            Events =
            [
                RunEventOf(RunEventType.RunQueued, $"{keys.Count} asset(s) selected by '{request.Selection}': {string.Join(", ", keys)}"),
                RunEventOf(RunEventType.RunStarted, null),
            ],
        });
        _run = run;
        _execution = ExecuteAsync(history: null);
        return run;
    }

    public async Task Resume()
    {
        if (_execution is not null)
        {
            return;
        }

        _run ??= await store.GetRunAsync(RunId) ?? throw new NotFoundException($"Unknown run {RunId}.");
        if (_run.IsFinished)
        {
            return;
        }

        var events = new List<RunEvent>();
        long cursor = 0;
        while (await store.GetEventsAsync(RunId, cursor, 1000, includeLogs: false) is { Count: > 0 } page)
        {
            events.AddRange(page);
            cursor = page[^1].Sequence;
        }

        LogResuming(logger, RunId, events.Count);
        _execution ??= ExecuteAsync(StepHistory.From(events));
    }

    private async Task ExecuteAsync(StepHistory? history)
    {
        try
        {
            KeepAlive();
            var run = _run!;
            if (run.Status == RunStatus.Queued)
            {
                run = run with { Status = RunStatus.Started, StartedAt = time.GetUtcNow() };
                await AppendDurablyAsync(new RunWrite(RunId) { Run = run, Events = [RunEventOf(RunEventType.RunStarted, null)] });
                _run = run;
            }

            var graph = await graphs.GetAsync();
            var plan = RunPlan.Create(graph, run.AssetKeys);
            var outcome = await RunStepsAsync(plan, history ?? new StepHistory(), run.AssetKeys.Where(k => !plan.ByKey.ContainsKey(k)).ToList());
            var finished = run with
            {
                Status = outcome.Failed.Count == 0 ? RunStatus.Success : RunStatus.Failure,
                EndedAt = time.GetUtcNow(),
                Error = outcome.Failed.Count == 0 ? null : $"{outcome.Failed.Count} step(s) failed: {string.Join(", ", outcome.Failed)}",
            };
            await AppendDurablyAsync(new RunWrite(RunId)
            {
                Run = finished,
                Events =
                [
                    RunEventOf(
                        finished.Status == RunStatus.Success ? RunEventType.RunSuccess : RunEventType.RunFailure,
                        finished.Error ?? $"{outcome.Succeeded} step(s) succeeded"),
                ],
            });
            _run = finished;
            LogFinished(logger, RunId, finished.Status, (finished.EndedAt - finished.StartedAt)?.TotalMilliseconds ?? 0);
        }
        catch (Exception e)
        {
            // The run stays 'started' in storage; the recovery sweep resumes it from its events.
            LogExecutionFailed(logger, e, RunId);
            _execution = null;
            _run = null;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    private async Task<(int Succeeded, List<string> Failed)> RunStepsAsync(RunPlan plan, StepHistory history, List<string> vanished)
    {
        var status = plan.Steps.ToDictionary(s => s.Key, s => history.StatusOf(s.Key) is var st && st == StepStatus.Running ? StepStatus.Pending : st, StringComparer.Ordinal);
        var failed = status.Where(s => s.Value == StepStatus.Failure).Select(s => s.Key).ToList();
        if (vanished.Count > 0)
        {
            await AppendDurablyAsync(new RunWrite(RunId)
            {
                Events = [.. vanished.Select(k => RunEventOf(RunEventType.StepSkipped, "no code location defines this asset any more", k))],
            });
        }

        var running = new Dictionary<Task<StepOutcome>, string>();
        var limit = Math.Max(1, options.Value.MaxConcurrentStepsPerRun);
        while (true)
        {
            foreach (var step in plan.Steps)
            {
                if (running.Count >= limit)
                {
                    break;
                }

                if (status[step.Key] == StepStatus.Pending && step.UpstreamInRun.All(u => status[u] == StepStatus.Success))
                {
                    status[step.Key] = StepStatus.Running;
                    running[RunStepAsync(step, history.NextAttempt(step.Key), history.WasInFlight(step.Key))] = step.Key;
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Keys);
            var key = running[done];
            running.Remove(done);
            KeepAlive();
            var outcome = await done;
            if (outcome.Succeeded)
            {
                status[key] = StepStatus.Success;
                continue;
            }

            status[key] = StepStatus.Failure;
            failed.Add(key);
            var skipped = plan.DownstreamOf(key).Where(d => status[d] == StepStatus.Pending).ToList();
            foreach (var downstream in skipped)
            {
                status[downstream] = StepStatus.Skipped;
            }

            if (skipped.Count > 0)
            {
                await AppendDurablyAsync(new RunWrite(RunId)
                {
                    Events = [.. skipped.Select(d => RunEventOf(RunEventType.StepSkipped, $"upstream '{key}' failed", d))],
                });
            }
        }

        // Steps left pending wait on a failure recorded before an interruption; they are skipped like the rest.
        var stranded = status.Where(s => s.Value == StepStatus.Pending).Select(s => s.Key).ToList();
        if (stranded.Count > 0)
        {
            await AppendDurablyAsync(new RunWrite(RunId)
            {
                Events = [.. stranded.Select(k => RunEventOf(RunEventType.StepSkipped, "an upstream step failed", k))],
            });
        }

        return (status.Count(s => s.Value == StepStatus.Success), failed);
    }

    /// <summary>
    /// Materializes one step through its asset grain. An exception means the attempt was lost (a silo died, the
    /// storage was unreachable): it is recorded as a failed attempt and the step is tried again, and the asset grain
    /// makes sure a retried step is recorded once. User-code failures come back as outcomes and are not retried.
    /// </summary>
    private async Task<StepOutcome> RunStepAsync(PlannedStep step, int firstAttempt, bool earlierAttemptLost)
    {
        var asset = GrainFactory.GetGrain<IAssetGrain>(step.Key);
        if (earlierAttemptLost)
        {
            // Resumed: the attempt in flight when this run's silo was lost has no outcome in the log. Say so
            // before trying again; the asset grain still answers with that attempt's result if it was recorded.
            var lost = new StepError
            {
                Type = "OrleansAssets.AttemptLost",
                Message = $"attempt {firstAttempt - 1} was in flight when the silo running this run was lost",
            };
            await AppendDurablyAsync(new RunWrite(RunId)
            {
                Events =
                [
                    RunEventOf(RunEventType.StepFailed, $"{lost.Message}; trying again", step.Key) with { Attempt = firstAttempt - 1, Error = lost, WillRetry = true },
                ],
            });
        }

        for (var attempt = firstAttempt; ; attempt++)
        {
            try
            {
                return await asset.Materialize(new MaterializeRequest
                {
                    RunId = RunId,
                    Attempt = attempt,
                    Spec = step.Spec,
                    UpstreamInRun = [.. step.UpstreamInRun],
                    EarlierAttemptLost = earlierAttemptLost,
                });
            }
            catch (Exception e)
            {
                earlierAttemptLost = true;
                var giveUp = attempt - firstAttempt + 1 >= Math.Max(1, options.Value.MaxStepAttempts);
                var error = StepError.FromException(e, fromUserCode: false);
                LogAttemptLost(logger, e, step.Key, RunId, attempt);
                var failure = new FailureRecord { RunId = RunId, Timestamp = time.GetUtcNow(), Error = error };
                await AppendDurablyAsync(new RunWrite(RunId)
                {
                    StepFailure = giveUp ? (step.Key, failure) : null,
                    Events =
                    [
                        RunEventOf(RunEventType.StepFailed, $"attempt {attempt} lost: {error}; {(giveUp ? "giving up" : "trying again")}", step.Key) with
                        {
                            Attempt = attempt,
                            Error = error,
                            WillRetry = !giveUp,
                        },
                    ],
                });
                if (giveUp)
                {
                    return new StepOutcome { Succeeded = false, Error = error };
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * (1 << Math.Min(7, attempt - firstAttempt)))), time);
            }
        }
    }

    /// <summary>Run-level records must land; while the storage is away, keep trying rather than lose the run's state.</summary>
    private async Task AppendDurablyAsync(RunWrite write)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var tries = 1; ; tries++)
        {
            try
            {
                await store.AppendAsync(write);
                return;
            }
            catch (Exception e) when (tries < 60)
            {
                LogStoreRetry(logger, e, RunId, tries);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>An activation awaiting other grains looks idle to Orleans; a running run must not be collected.</summary>
    private void KeepAlive() => DelayDeactivation(TimeSpan.FromHours(2));

    private RunEvent RunEventOf(RunEventType type, string? message, string? assetKey = null) => new()
    {
        RunId = RunId,
        Timestamp = time.GetUtcNow(),
        Type = type,
        Message = message,
        AssetKey = assetKey,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished {Status} in {DurationMs:F0} ms")]
    private static partial void LogFinished(ILogger logger, Guid runId, RunStatus status, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming run {RunId} from {EventCount} recorded events")]
    private static partial void LogResuming(ILogger logger, Guid runId, int eventCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId}: attempt {Attempt} lost")]
    private static partial void LogAttemptLost(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: the run storage refused a write (try {Try}); trying again")]
    private static partial void LogStoreRetry(ILogger logger, Exception exception, Guid runId, int @try);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} stopped before finishing; it will be resumed from its events")]
    private static partial void LogExecutionFailed(ILogger logger, Exception exception, Guid runId);
}
