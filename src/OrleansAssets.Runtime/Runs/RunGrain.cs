using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Assets;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Selection;
using OrleansAssets.Storage;

namespace OrleansAssets.Runs;

/// <summary>
/// Drives one run: plans it, asks each step's asset grain for the step's outcome as soon as its upstream steps
/// succeeded, skips what is downstream of a failure, and records the run's end. Its durable state is the run's
/// record and its steps' records in the run storage, so it keeps no grain state of its own: a run whose silo died
/// or stopped resumes anywhere by reading them back.
/// </summary>
/// <remarks>
/// It never decides that an attempt was lost: the asset grain does, from the membership. A broken call only
/// means "ask again", which is idempotent per run and step.
/// </remarks>
internal sealed partial class RunGrain(
    IRunEventWriter writer, IRunRecordStore runs, IEventLogStore eventLog, IAutomationStore automation,
    AssetGraphCache graphs,
    GracefulShutdown shutdown,
    IOptions<OrleansAssetsOptions> options,
    TimeProvider time,
    ILogger<RunGrain> logger) : Grain, IRunGrain
{
    /// <summary>Calls to an asset grain that fail for other reasons than the storage, in a row, before the step fails.</summary>
    private const int MaxCallFailures = 20;

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _canceling = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RunRecord? _run;
    private Task? _execution;
    private Dictionary<string, string> _config = new(StringComparer.Ordinal);

    private Guid RunId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        LogActivated(logger, RunId);
        shutdown.RunActivated(RunId);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A stopped activation writes nothing more: the next one goes on from the records.
        _stop.Cancel();
        shutdown.RunDeactivated(RunId);
        return Task.CompletedTask;
    }

    public async Task<RunRecord> Submit(RunRequest request)
    {
        if (_run is not null)
        {
            return _run;
        }

        if (await runs.GetRunAsync(RunId) is { } existing)
        {
            // The client retried a submit whose answer it lost: the run exists already.
            _run = existing;
            await ResumeIfHereAsync();
            return existing;
        }

        var graph = await graphs.GetAsync();
        if (request.Reexecute is { } reexecute)
        {
            request = await ReexecutionRequestAsync(reexecute, request);
        }

        var job = request.Job is { } name
            ? graph.Jobs.GetValueOrDefault(name) ?? throw new NotFoundException($"Unknown job {UserText.Quote(name)}{(graph.Jobs.Count == 0 ? "; the cluster has no jobs" : $"; jobs: {string.Join(", ", graph.Jobs.Keys.Order(StringComparer.Ordinal).Take(20))}")}.")
            : null;
        var selection = job is null ? request.Selection : job.Selection ?? "";
        // A re-execution runs what its parent ran (minus what succeeded, from failure): nothing to resolve.
        var resolved = _reexecuted is not null || (selection.Length == 0 && job is not null) ? null : AssetSelection.Parse(selection).Resolve(graph, skipUnknownKeys: false);
        IReadOnlyList<string> keys = _reexecuted?.Keys ?? resolved?.Keys ?? [];

        // External assets are made elsewhere: no run materializes one. '*', traversals, groups and job selections
        // leave them out; naming one outright is a mistake worth saying, since nothing else would tell the user.
        var external = keys.Where(k => graph.Find(k)?.IsExternal == true).ToList();
        if (resolved?.Named.Where(k => graph.Get(k).IsExternal).ToList() is { Count: > 0 } named)
        {
            throw new AssetSelectionException($"The selection {UserText.Quote(selection)} names external asset{(named.Count == 1 ? "" : "s")} {string.Join(", ", named.Select(k => $"'{k}'"))}: "
                + $"{(named.Count == 1 ? "it is" : "they are")} produced outside OrleansAssets and never materialized by a run; report {(named.Count == 1 ? "its" : "their")} materializations instead (oa report {named[0]} --metadata k=v).");
        }

        if (external.Count > 0)
        {
            keys = [.. keys.Where(k => !external.Contains(k))];
        }

        if (keys.Count == 0 && external.Count > 0 && (job is null || job.Ops.Count == 0))
        {
            throw new AssetSelectionException($"The selection {UserText.Quote(selection)} selects only external assets ({string.Join(", ", external.Take(5).Select(k => $"'{k}'"))}), which runs never materialize; report theirs with oa report KEY, or select what depends on them (for example {external[0]}+).");
        }

        if (keys.Count == 0 && (job is null || job.Ops.Count == 0))
        {
            // A group, tag or kind that matches nothing selects nothing rather than failing; a run of nothing is still a mistake.
            throw new AssetSelectionException(graph.Assets.Count == 0
                ? $"The selection {UserText.Quote(selection)} selects no assets: the cluster has no assets yet (is a silo with a code location up?)."
                : $"The selection {UserText.Quote(selection)} selects no assets; nothing to materialize.");
        }

        MultiAssetSubsets.RequireWhole(graph, keys);
        var tags = new Dictionary<string, string>(job?.Tags ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in request.Tags)
        {
            tags[key] = value;
        }

        if (!RunTags.TryPriority(tags, out var priority, out var problem))
        {
            throw new AssetSelectionException(problem!);
        }

        if (job is not null && !tags.ContainsKey(RunTags.Priority))
        {
            priority = job.Priority;
        }

        var ops = _reexecuted?.Ops ?? job?.Ops;
        var plan = RunPlan.Create(graph, keys, ops);
        var config = request.Config ?? job?.DefaultConfig;
        RunConfigValidator.Validate(config, plan.ByKey.ToDictionary(p => p.Key, p => p.Value.Spec, StringComparer.Ordinal));
        var run = new RunRecord
        {
            RunId = RunId,
            Status = RunStatus.Queued,
            Selection = selection,
            AssetKeys = [.. keys],
            Tags = tags,
            CreatedAt = time.GetUtcNow(),
            Priority = priority,
            Job = job?.Name,
            Ops = [.. ops ?? []],
            Config = string.IsNullOrWhiteSpace(config) ? null : config,
            RunKey = request.RunKey,
        };
        var what = _reexecuted is { } re ? $"re-execution of run {re.Parent}{(re.FromFailure ? " from failure" : "")}"
            : job is null ? $"'{UserText.Shorten(selection)}'" : $"job {job.Name}";
        var by = request.Tick is { } tick ? $" for {tick.Kind} {tick.Name}'s tick at {Automation.ScheduleClock.Format(tick.At)}" : "";
        var written = await writer.AppendAsync(new RunWrite(RunId)
        {
            Run = run,
            RunKey = request.RunKey,
            Tick = request.Tick is { } t
                ? new TickWrite(t.Kind, t.Name, t.At, Automation.TickStatus.Started) { RunIds = [RunId], Cursor = t.Cursor, Message = t.Message }
                : null,
            Events = [RunEventOf(RunEventType.RunQueued, $"{keys.Count} asset(s){(run.Ops.Count == 0 ? "" : $" and {run.Ops.Count} op(s)")} selected by {what}{by}: {string.Join(", ", keys.Concat(run.Ops))}")],
        });
        if (!written.Applied && request.RunKey is { } runKey)
        {
            // The key made its run before (under another id): that run is the answer, and no second one is made.
            var made = await automation.FindRunByKeyAsync(runKey) is { } madeId ? await runs.GetRunAsync(madeId) : null;
            if (made is not null)
            {
                DeactivateOnIdle();
                return made;
            }
        }

        _run = run;
        await EnqueueAsync(run);
        return run;
    }

    /// <summary>Hands a queued run to the queue; if that call fails, the queue finds the run in the runs table anyway.</summary>
    /// <summary>Why each step that failed in this activation failed, so the run's end says it (a location no silo loads, a timeout).</summary>
    private readonly Dictionary<string, string> _failureReasons = new(StringComparer.Ordinal);

    private string Reason(string step) =>
        _failureReasons.TryGetValue(step, out var why) ? $"{step} ({UserText.Shorten(why.Split('\n')[0], 160)})" : step;

    /// <summary>Of a re-execution: for each upstream it does not run again, the run whose materialization it reuses.</summary>
    private Dictionary<string, Guid> _pinned = new(StringComparer.Ordinal);

    /// <summary>
    /// A re-execution reuses, for every upstream it does not run, the value its chain of parents materialized: the
    /// nearest ancestor run whose step of it succeeded (not the upstream's latest, which another run may have made
    /// since). Recomputed from the records on every activation, so nothing more is stored.
    /// </summary>
    private async Task<Dictionary<string, Guid>> ReusedValuesAsync(RunRecord run, RunPlan plan)
    {
        var pinned = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (run.ParentRunId is null)
        {
            return pinned;
        }

        var wanted = plan.Steps.SelectMany(s => s.Spec.Dependencies).Where(d => !plan.ByKey.ContainsKey(d)).ToHashSet(StringComparer.Ordinal);
        for (var (ancestor, depth) = (run.ParentRunId, 0); ancestor is { } id && wanted.Count > 0 && depth < 100; depth++)
        {
            foreach (var step in await eventLog.GetStepsAsync(id))
            {
                if (step.Status == StepStatus.Success && wanted.Remove(step.AssetKey))
                {
                    pinned[step.AssetKey] = id;
                }
            }

            ancestor = (await runs.GetRunAsync(id))?.ParentRunId;
        }

        return pinned;
    }

    /// <summary>What a re-execution runs, known while its submit is handled.</summary>
    private (Guid Parent, bool FromFailure, IReadOnlyList<string> Keys, IReadOnlyList<string> Ops)? _reexecuted;

    /// <summary>
    /// The run request a re-execution makes of its parent: its job, config and tags, with the parent and the root
    /// of the chain as tags; the keys and ops to run are kept for the submit, which does not resolve a selection.
    /// </summary>
    private async Task<RunRequest> ReexecutionRequestAsync(Reexecution reexecution, RunRequest request)
    {
        var parent = await runs.GetRunAsync(reexecution.ParentRunId)
            ?? throw new NotFoundException($"Unknown run {reexecution.ParentRunId}: there is nothing to re-execute.");
        if (parent.Status is not (RunStatus.Success or RunStatus.Failure or RunStatus.Canceled))
        {
            throw new AssetSelectionException($"Run {parent.RunId} is {parent.Status.ToString().ToLowerInvariant()}; only a finished run can be re-executed (cancel it first, or wait for it).");
        }

        IReadOnlyList<string> keys = parent.AssetKeys;
        IReadOnlyList<string> ops = parent.Ops;
        if (reexecution.FromFailure)
        {
            var succeeded = (await eventLog.GetStepsAsync(parent.RunId)).Where(s => s.Status == StepStatus.Success).Select(s => s.AssetKey).ToHashSet(StringComparer.Ordinal);
            keys = [.. keys.Where(k => !succeeded.Contains(k))];
            ops = [.. ops.Where(o => !succeeded.Contains(o))];
            if (keys.Count == 0 && ops.Count == 0)
            {
                throw new AssetSelectionException($"Run {parent.RunId} has no failed, canceled or skipped step: nothing to re-execute from failure (re-execute all its steps instead).");
            }
        }

        _reexecuted = (parent.RunId, reexecution.FromFailure, keys, ops);
        var tags = new Dictionary<string, string>(parent.Tags, StringComparer.Ordinal);
        foreach (var owned in new[] { RunTags.Schedule, RunTags.Tick, RunTags.Sensor, RunTags.SensorRunKey })
        {
            // The parent's tick made the parent: the re-execution is someone's request, not that tick's.
            tags.Remove(owned);
        }

        tags[RunTags.ParentRun] = parent.RunId.ToString();
        tags[RunTags.RootRun] = parent.RootRunId.ToString();
        tags[RunTags.ReexecutionStrategy] = reexecution.FromFailure ? "from_failure" : "all";
        foreach (var (key, value) in request.Tags)
        {
            tags[key] = value;
        }

        return new RunRequest { Selection = parent.Selection, Job = parent.Job, Config = request.Config ?? parent.Config, Tags = tags };
    }

    private async Task EnqueueAsync(RunRecord run)
    {
        try
        {
            await GrainFactory.GetGrain<IRunQueueGrain>(0).Enqueue(run);
        }
        catch (Exception e)
        {
            LogEnqueueFailed(logger, e, RunId);
        }
    }

    public async Task Start()
    {
        if (_execution is not null)
        {
            return;
        }

        _run ??= await runs.GetRunAsync(RunId) ?? throw new NotFoundException($"Unknown run {RunId}.");
        if (_run.IsFinished)
        {
            // Canceled while the queue was starting it: its place is free again.
            GrainFactory.GetGrain<IRunQueueGrain>(0).RunEnded(RunId).Ignore();
            return;
        }

        _execution = ExecuteAsync(resumed: _run.Status == RunStatus.Started);
    }

    public async Task<RunRecord> Cancel(CancelRequest request)
    {
        _run ??= await runs.GetRunAsync(RunId) ?? throw new NotFoundException($"Unknown run {RunId}.");
        if (_run.IsFinished)
        {
            return _run;
        }

        var by = UserText.Shorten(request.By);
        var why = request.Reason is { Length: > 0 } reason ? $" ({UserText.Shorten(reason)})" : "";
        if (_run.Status == RunStatus.Queued && _execution is null)
        {
            var canceled = _run with { Status = RunStatus.Canceled, EndedAt = time.GetUtcNow(), CancelRequestedBy = by, Error = $"canceled by {by} while queued{why}" };
            var result = await writer.AppendAsync(new RunWrite(RunId) { Run = canceled, Events = [RunEventOf(RunEventType.RunCanceled, canceled.Error)] });
            _run = result.Applied ? canceled : await runs.GetRunAsync(RunId) ?? canceled;
            GrainFactory.GetGrain<IRunQueueGrain>(0).RunEnded(RunId).Ignore();
            if (result.Applied)
            {
                await NotifyEndedAsync(canceled);
            }

            LogCanceled(logger, RunId, by);
            return _run;
        }

        if (_run.CancelRequestedBy is null)
        {
            // Durable first: a run grain that moves on goes on canceling.
            var canceling = _run with { CancelRequestedBy = by };
            await writer.AppendAsync(new RunWrite(RunId) { Run = canceling, Events = [RunEventOf(RunEventType.RunCanceling, $"cancel requested by {by}{why}; no more steps start, running ones are stopped")] });
            _run = canceling;
        }

        _canceling.TrySetResult();
        await ResumeIfHereAsync();
        return _run;
    }

    public async Task Resume()
    {
        if (shutdown.IsStopping)
        {
            // Handed over: this activation goes, and the caller's next try activates the run on another silo.
            DeactivateOnIdle();
            throw new SiloStoppingException($"Run {RunId} is moving off silo that is stopping; ask again.");
        }

        await ResumeIfHereAsync();
    }

    private async Task ResumeIfHereAsync()
    {
        if (_execution is not null)
        {
            return;
        }

        _run ??= await runs.GetRunAsync(RunId) ?? throw new NotFoundException($"Unknown run {RunId}.");
        if (_run.IsFinished)
        {
            return;
        }

        if (_run.Status == RunStatus.Queued)
        {
            // Not ours to start: the queue gives it its place.
            await EnqueueAsync(_run);
            return;
        }

        if (_run.CancelRequestedBy is not null)
        {
            _canceling.TrySetResult();
        }

        LogResuming(logger, RunId);
        _execution ??= ExecuteAsync(resumed: true);
    }

    private async Task ExecuteAsync(bool resumed)
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
            var plan = RunPlan.Create(graph, run.AssetKeys, run.Ops);
            try
            {
                _config = RunConfigValidator.Validate(run.Config, plan.ByKey.ToDictionary(p => p.Key, p => p.Value.Spec, StringComparer.Ordinal), checkUnknownSteps: false);
            }
            catch (RunConfigException e)
            {
                // Its steps' code changed since it was submitted: no activation could ever run it.
                await EndUnresumableAsync(run, $"its run config no longer fits its steps' code: {e.Message}");
                return;
            }

            var recorded = resumed ? (await eventLog.GetStepsAsync(RunId)).ToDictionary(s => s.AssetKey, StringComparer.Ordinal) : [];
            _pinned = await ReusedValuesAsync(run, plan);

            // Steps whose asset or op no code location defines any more: skipped, and the run did not do its work.
            var gone = run.AssetKeys.Concat(run.Ops).Where(k => !plan.ByKey.ContainsKey(k)).ToList();
            var outcome = await RunStepsAsync(plan, recorded, gone, resumed);
            if (outcome is null)
            {
                return;
            }

            var (succeeded, failed, canceled) = outcome.Value;
            run = _run!;
            var finished = run.CancelRequestedBy is { } by
                ? run with
                {
                    Status = RunStatus.Canceled,
                    EndedAt = time.GetUtcNow(),
                    Error = $"canceled by {by}{(canceled.Count == 0 ? "" : $"; canceled: {string.Join(", ", canceled)}")}",
                }
                : run with
                {
                    Status = failed.Count == 0 && gone.Count == 0 ? RunStatus.Success : RunStatus.Failure,
                    EndedAt = time.GetUtcNow(),
                    Error = string.Join("; ", new[]
                    {
                        failed.Count == 0 ? null : $"{failed.Count} step(s) failed: {string.Join(", ", failed.Select(Reason))}",
                        gone.Count == 0 ? null : $"{gone.Count} step(s) no code location defines any more (was their code location removed or changed?): {string.Join(", ", gone.Take(20))}",
                    }.Where(p => p is not null)) is { Length: > 0 } error ? error : null,
                };
            await EndAsync(finished, finished.Error ?? $"{succeeded} step(s) succeeded");
        }
        catch (Exception e) when (_stop.IsCancellationRequested || shutdown.IsStopping)
        {
            LogHandedOff(logger, e, RunId);
        }
        catch (Exception e)
        {
            // The run stays 'started' in storage; the recovery sweep resumes it from its records.
            LogExecutionFailed(logger, e, RunId);
            _execution = null;
            _run = null;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Ends a run that no activation could ever go on with (its plan cannot be made from the code loaded now):
    /// failure, with an event that says why, rather than a run left started for the sweep to try again forever.
    /// </summary>
    private async Task EndUnresumableAsync(RunRecord run, string why)
    {
        var ended = run with { Status = RunStatus.Failure, EndedAt = time.GetUtcNow(), Error = $"the run cannot go on: {why}" };
        await EndAsync(ended, ended.Error);
    }

    /// <summary>Records the run's end with its event, frees its place in the queue, and tells the sensors that watch run ends.</summary>
    private async Task EndAsync(RunRecord finished, string message)
    {
        await AppendDurablyAsync(new RunWrite(RunId)
        {
            Run = finished,
            Events = [RunEventOf(finished.Status switch { RunStatus.Success => RunEventType.RunSuccess, RunStatus.Canceled => RunEventType.RunCanceled, _ => RunEventType.RunFailure }, message)],
        });
        _run = finished;
        GrainFactory.GetGrain<IRunQueueGrain>(0).RunEnded(RunId).Ignore();
        await NotifyEndedAsync(finished);
        LogFinished(logger, RunId, finished.Status, (finished.EndedAt - finished.StartedAt)?.TotalMilliseconds ?? 0);
    }

    /// <summary>
    /// Runs the plan's steps; null when this activation stopped (the silo is stopping) before the run ended. Once the
    /// run is being canceled no step starts, the running ones are asked to stop, and those never started end canceled.
    /// </summary>
    private async Task<(int Succeeded, List<string> Failed, List<string> Canceled)?> RunStepsAsync(RunPlan plan, Dictionary<string, StepSummary> recorded, List<string> vanished, bool resumed)
    {
        var status = plan.Steps.ToDictionary(
            s => s.Key,
            s => recorded.GetValueOrDefault(s.Key) is { IsFinished: true } done ? done.Status : StepStatus.Pending,
            StringComparer.Ordinal);
        var failed = status.Where(s => s.Value == StepStatus.Failure).Select(s => s.Key).ToList();
        var canceled = status.Where(s => s.Value == StepStatus.Canceled).Select(s => s.Key).ToList();

        // Of a resumed run, only the steps ready when it was interrupted may have been started without a record;
        // the rest start later, from this activation, for the first time.
        var resumedAt = DateTimeOffset.UtcNow;
        var mayHaveStarted = resumed
            ? plan.Steps.Where(s => status[s.Key] == StepStatus.Pending && s.UpstreamInRun.All(u => status[u] == StepStatus.Success)).Select(s => s.Key).ToHashSet(StringComparer.Ordinal)
            : [];
        await SkipAsync(vanished.Where(k => recorded.GetValueOrDefault(k) is not { IsFinished: true }), "no code location defines this asset any more");

        var stopped = Task.Delay(Timeout.Infinite, _stop.Token);
        var stopping = shutdown.StoppingTask;
        var cancel = _canceling.Task;
        var canceling = false;
        var running = new Dictionary<Task<StepOutcome>, string>();
        var limit = Math.Max(1, options.Value.MaxConcurrentStepsPerRun);
        while (true)
        {
            if (!canceling && cancel.IsCompleted)
            {
                canceling = true;
                await CancelRunningAsync(running.Values.ToList());
            }

            foreach (var step in plan.Steps)
            {
                if (running.Count >= limit || canceling)
                {
                    break;
                }

                if (status[step.Key] == StepStatus.Pending && step.UpstreamInRun.All(u => status[u] == StepStatus.Success))
                {
                    status[step.Key] = StepStatus.Running;
                    running[AwaitStepAsync(step, mayHaveStarted.Contains(step.Key), resumedAt)] = step.Key;
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Keys.Append<Task>(stopped).Append(stopping).Append(canceling ? stopped : cancel));
            if (done == stopped || done == stopping)
            {
                // Leaving this silo: the run is handed over and goes on elsewhere from its records.
                _stop.Cancel();
                return null;
            }

            if (done == cancel)
            {
                continue;
            }

            var key = running[(Task<StepOutcome>)done];
            running.Remove((Task<StepOutcome>)done);
            KeepAlive();
            var outcome = await (Task<StepOutcome>)done;
            if (outcome.Succeeded)
            {
                status[key] = StepStatus.Success;
                continue;
            }

            if (outcome.Canceled)
            {
                status[key] = StepStatus.Canceled;
                canceled.Add(key);
                continue;
            }

            status[key] = StepStatus.Failure;
            failed.Add(key);
            if (outcome.Error?.Message is { } why)
            {
                _failureReasons[key] = why;
            }

            var skipped = plan.DownstreamOf(key).Where(d => status[d] == StepStatus.Pending).ToList();
            foreach (var downstream in skipped)
            {
                status[downstream] = StepStatus.Skipped;
            }

            // The other outputs of a multi-asset that failed were its step too: say so rather than "upstream failed".
            var siblings = skipped.Where(d => plan.ByKey[d].Lead == key).ToList();
            await Task.WhenAll(
                SkipAsync(skipped.Except(siblings), $"upstream '{key}' failed"),
                SkipAsync(siblings, $"multi-asset '{plan.ByKey[key].Spec.MultiAsset}' failed (its step ran as '{key}')"));
        }

        var stranded = status.Where(s => s.Value == StepStatus.Pending).Select(s => s.Key).ToList();
        if (canceling || cancel.IsCompleted)
        {
            // Canceled before they could start: they never will.
            await EndNotStartedAsync(stranded, $"not started: the run was canceled by {_run!.CancelRequestedBy}");
        }
        else
        {
            // Steps left pending wait on a failure recorded before an interruption; they are skipped like the rest.
            await SkipAsync(stranded, "an upstream step failed");
        }

        return (status.Count(s => s.Value == StepStatus.Success), failed, canceled);
    }

    /// <summary>Asks the asset grain of each running step to stop it: its attempt's cancellation token fires.</summary>
    private async Task CancelRunningAsync(List<string> steps)
    {
        var by = _run!.CancelRequestedBy ?? "someone";
        await Task.WhenAll(steps.Select(async key =>
        {
            try
            {
                await GrainFactory.GetGrain<IAssetGrain>(key).CancelStep(RunId, by);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // The asset grain answers the step's next call with the cancel too: it learns of it from the run.
                LogCancelStepFailed(logger, e, key, RunId);
            }
        }));
    }

    private async Task EndNotStartedAsync(IEnumerable<string> keys, string why)
    {
        var now = time.GetUtcNow();
        await Task.WhenAll(keys.Select(key => AppendDurablyAsync(new RunWrite(RunId)
        {
            Step = new StepWrite(key, StepTransition.Canceled, 0) { Timestamp = now },
            Events = [RunEventOf(RunEventType.StepCanceled, why, key)],
        })));
    }

    /// <summary>
    /// Asks the step's asset grain for its outcome until it has one. A broken call (the asset grain's silo died or
    /// is stopping, the storage is away) is asked again: the asset grain follows the step from its record.
    /// </summary>
    private async Task<StepOutcome> AwaitStepAsync(PlannedStep step, bool mayHaveStarted, DateTimeOffset resumedAt)
    {
        // Asked again (after an answer or a broken call), the asset grain may have started an attempt a moment ago.
        DateTimeOffset? unrecordedStartsBefore = mayHaveStarted ? resumedAt : null;
        var asset = GrainFactory.GetGrain<IAssetGrain>(step.Key);
        var failures = 0;
        var delay = TimeSpan.FromMilliseconds(100);
        var (attempt, silo) = (0, (string?)null);
        while (true)
        {
            _stop.Token.ThrowIfCancellationRequested();
            var asked = time.GetTimestamp();
            try
            {
                var progress = await asset.Materialize(new MaterializeRequest
                {
                    RunId = RunId,
                    Spec = step.Spec,
                    UpstreamInRun = [.. step.UpstreamInRun],
                    Config = _config.GetValueOrDefault(step.Key),
                    MayHaveStarted = mayHaveStarted,
                    UnrecordedStartsBefore = unrecordedStartsBefore,
                    KnownAttempt = attempt,
                    KnownSilo = silo,
                    Outputs = [.. step.Outputs],
                    Lead = step.Lead,
                    PinnedUpstream = step.Spec.Dependencies.Where(_pinned.ContainsKey).ToDictionary(d => d, d => _pinned[d], StringComparer.Ordinal),
                });
                (mayHaveStarted, unrecordedStartsBefore) = (true, null);
                if (progress.Outcome is { } outcome)
                {
                    return outcome;
                }

                failures = 0;
                delay = TimeSpan.FromMilliseconds(100);
                if (progress.Attempt > attempt)
                {
                    // Kept here too: if the asset grain's activation goes, the next one learns where to look.
                    (attempt, silo) = (progress.Attempt, progress.Silo);
                }
                else if (time.GetElapsedTime(asked) < TimeSpan.FromMilliseconds(500))
                {
                    // Answered "not yet" at once (its silo is stopping): give it a moment to move.
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, _stop.Token);
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                (mayHaveStarted, unrecordedStartsBefore) = (true, null);
                var storageAway = e is StorageUnavailableException;
                if (!storageAway && ++failures >= MaxCallFailures)
                {
                    return await FailStepAsync(step, e);
                }

                LogAskAgain(logger, e, step.Key, RunId, delay);
                await Task.Delay(delay, time, _stop.Token);
                delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>The asset grain cannot be asked at all (not an outage): the step fails with why.</summary>
    private async Task<StepOutcome> FailStepAsync(PlannedStep step, Exception e)
    {
        var error = StepError.FromException(e, fromUserCode: false);
        var now = time.GetUtcNow();
        var result = await AppendDurablyAsync(new RunWrite(RunId)
        {
            Step = new StepWrite(step.Key, StepTransition.Failed, 0) { Timestamp = now, Error = error },
            Events = [RunEventOf(RunEventType.StepFailed, $"its asset grain could not be asked {MaxCallFailures} times in a row: {error.Message}", step.Key) with { Error = error }],
        });
        if (!result.Applied && await eventLog.GetStepAsync(RunId, step.Key) is { Status: StepStatus.Success })
        {
            return new StepOutcome { Succeeded = true, AlreadyRecorded = true };
        }

        return new StepOutcome { Succeeded = false, Error = error };
    }

    private async Task SkipAsync(IEnumerable<string> keys, string why)
    {
        var now = time.GetUtcNow();

        // One write per step (each is its own transition), gathered by the store into one commit.
        await Task.WhenAll(keys.Select(key => AppendDurablyAsync(new RunWrite(RunId)
        {
            Step = new StepWrite(key, StepTransition.Skipped, 0) { Timestamp = now },
            Events = [RunEventOf(RunEventType.StepSkipped, why, key)],
        })));
    }

    /// <summary>Run-level records must land; while the storage is away, keep trying (until this activation stops).</summary>
    private async Task<RunWriteResult> AppendDurablyAsync(RunWrite write)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var tries = 1; ; tries++)
        {
            _stop.Token.ThrowIfCancellationRequested();
            try
            {
                return await writer.AppendAsync(write);
            }
            catch (Exception e) when (e is StorageUnavailableException && !_stop.IsCancellationRequested)
            {
                LogStoreRetry(logger, e, RunId, tries);
                await Task.Delay(delay, time, _stop.Token);
                delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>Tells the run-status sensors that the run ended; not the sensor that asked for it, so a sensor cannot feed itself.</summary>
    private async Task NotifyEndedAsync(RunRecord run)
    {
        var graph = await graphs.GetAsync();
        var askedBy = run.Tags.GetValueOrDefault(RunTags.Sensor);
        foreach (var sensor in graph.RunStatusSensors)
        {
            if (askedBy is null || !sensor.EndsWith($"/{askedBy}", StringComparison.Ordinal))
            {
                GrainFactory.GetGrain<Automation.ISensorGrain>(sensor).OnRunEnded(RunId, run.Status, run.Job).Ignore();
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} could not be handed to the run queue now; the queue finds it in the runs table")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} canceled by {By}")]
    private static partial void LogCanceled(ILogger logger, Guid runId, string by);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId} could not be asked to stop now")]
    private static partial void LogCancelStepFailed(ILogger logger, Exception exception, string assetKey, Guid runId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} is driven from this silo")]
    private static partial void LogActivated(ILogger logger, Guid runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished {Status} in {DurationMs:F0} ms")]
    private static partial void LogFinished(ILogger logger, Guid runId, RunStatus status, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming run {RunId} from its records")]
    private static partial void LogResuming(ILogger logger, Guid runId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Step {AssetKey} of run {RunId}: asking its asset grain again in {Delay}")]
    private static partial void LogAskAgain(ILogger logger, Exception exception, string assetKey, Guid runId, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: the run storage refused a write (try {Try}); trying again")]
    private static partial void LogStoreRetry(ILogger logger, Exception exception, Guid runId, int @try);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} leaves this silo; another one goes on with it")]
    private static partial void LogHandedOff(ILogger logger, Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} stopped before finishing; it will be resumed from its records")]
    private static partial void LogExecutionFailed(ILogger logger, Exception exception, Guid runId);
}
