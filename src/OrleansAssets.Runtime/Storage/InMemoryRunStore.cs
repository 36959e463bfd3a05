using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Storage;

/// <summary>
/// The run storage of dev mode and unit tests: everything in this process's memory, gone when it stops. It applies
/// the same write rules as the Postgres store (a write lands whole or not at all; see <see cref="RunWrite"/>).
/// </summary>
public sealed class InMemoryRunStore(Events.RunEventFeed? feed = null) : IRunStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RunRecord> _runs = [];
    private readonly Dictionary<Guid, List<RunEvent>> _events = [];
    private readonly Dictionary<(Guid, string), StepSummary> _steps = [];
    private readonly Dictionary<(Guid, string), MaterializationRecord> _materializations = [];
    private readonly Dictionary<string, List<MaterializationRecord>> _byAsset = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssetActivity> _activity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredAssetState> _assetStates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Guid> _runKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), SortedList<DateTimeOffset, Automation.TickRecord>> _ticks = [];
    private readonly Dictionary<(string, string), AutomationState> _automation = [];

    public Task<RunWriteResult> AppendSoon(RunWrite write) => AppendAsync(write);

    public Task<StoredAssetState?> GetAssetStateAsync(string assetKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // A copy, as a database read would give: the grain must not share objects with the store.
            return Task.FromResult(_assetStates.GetValueOrDefault(assetKey) is { } stored
                ? stored with { State = Copy(stored.State) }
                : null);
        }
    }

    public Task<RunWriteResult> AppendAsync(RunWrite write, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!Accepts(write))
            {
                return Task.FromResult(new RunWriteResult(Applied: false));
            }

            if (write.AssetState is { } check && _assetStates.GetValueOrDefault(check.AssetKey)?.Version != check.ExpectedVersion)
            {
                return Task.FromException<RunWriteResult>(new AssetStateConflictException(
                    $"The stored state of asset '{check.AssetKey}' moved on since it was read (expected version {check.ExpectedVersion?.ToString() ?? "none"})."));
            }

            if (write.Materialization is { } m)
            {
                _materializations[(m.RunId, m.AssetKey)] = m;
                (_byAsset.TryGetValue(m.AssetKey, out var list) ? list : _byAsset[m.AssetKey] = []).Add(m);
                var activity = Activity(m.AssetKey);
                _activity[m.AssetKey] = activity with
                {
                    LatestMaterialization = activity.LatestMaterialization is { } latest && latest.Timestamp > m.Timestamp ? latest : m,
                    RunningIn = activity.RunningIn == m.RunId ? null : activity.RunningIn,
                };
            }

            if (write.Step is { } step)
            {
                ApplyStep(write.RunId, step);
            }

            if (write.RunKey is { } runKey)
            {
                _runKeys[runKey] = write.RunId;
            }

            if (write.Tick is { } tick)
            {
                var ticks = _ticks.TryGetValue((tick.Kind, tick.Name), out var list) ? list : _ticks[(tick.Kind, tick.Name)] = [];
                ticks.TryAdd(tick.At, Automation.AutomationInfos.Recorded(tick, DateTimeOffset.UtcNow));
            }

            if (write.Automation is { } automation)
            {
                var current = _automation.GetValueOrDefault((automation.Kind, automation.Name)) ?? new AutomationState(null, null, null);
                _automation[(automation.Kind, automation.Name)] = new AutomationState(
                    automation.Status ?? current.Status,
                    automation.Cursor ?? current.Cursor,
                    automation.StartedAt ?? current.StartedAt);
            }

            if (write.Run is { } run)
            {
                // A cancel request, once recorded, stays (as the database keeps it).
                _runs[run.RunId] = run.CancelRequestedBy is null && _runs.GetValueOrDefault(run.RunId)?.CancelRequestedBy is { } by ? run with { CancelRequestedBy = by } : run;
                if (run.IsFinished)
                {
                    ClearRunning(run.RunId);
                }
            }

            var log = _events.TryGetValue(write.RunId, out var events) ? events : _events[write.RunId] = [];
            long? first = write.Events.Count > 0 ? log.Count + 1 : null;
            foreach (var e in write.Events)
            {
                // Numbered per run, without gaps, as the database numbers them.
                log.Add(e with { Sequence = log.Count + 1 });
            }

            if (first is { } from)
            {
                feed?.Committed(log.Skip((int)from - 1));
            }

            int? version = null;
            if (write.AssetState is { } state)
            {
                version = (state.ExpectedVersion ?? 0) + 1;
                _assetStates[state.AssetKey] = new StoredAssetState(Copy(state.State), version.Value);
            }

            return Task.FromResult(new RunWriteResult(Applied: true, version, first));
        }
    }

    private bool Accepts(RunWrite write)
    {
        if (write.Run is not null && _runs.GetValueOrDefault(write.RunId) is { IsFinished: true })
        {
            return false;
        }

        if (write.Step is { } step && !StepTransitionRules.Allows(_steps.GetValueOrDefault((write.RunId, step.AssetKey)), step.Transition, step.Attempt))
        {
            return false;
        }

        if (write.RunKey is { } key && _runKeys.ContainsKey(key))
        {
            return false;
        }

        return write.Materialization is not { } m || !_materializations.ContainsKey((m.RunId, m.AssetKey));
    }

    private void ApplyStep(Guid runId, StepWrite step)
    {
        var current = _steps.GetValueOrDefault((runId, step.AssetKey));
        var status = StepTransitionRules.StatusAfter(step.Transition);
        var finished = status is StepStatus.Success or StepStatus.Failure or StepStatus.Skipped or StepStatus.Canceled;
        _steps[(runId, step.AssetKey)] = new StepSummary
        {
            AssetKey = step.AssetKey,
            Status = status,
            Attempts = Math.Max(current?.Attempts ?? 0, step.Attempt),
            StartedAt = current?.StartedAt ?? (step.Transition == StepTransition.Started ? step.Timestamp : step.StartedAt),
            EndedAt = finished ? step.Timestamp : null,
            DurationMs = step.DurationMs ?? current?.DurationMs,
            Error = step.Error,
            // A lost attempt's silo is gone; an ending keeps the silo of the attempt it ends unless it names one.
            Silo = step.Transition == StepTransition.AttemptLost ? null : step.Silo ?? current?.Silo,
        };

        var activity = Activity(step.AssetKey);
        if (step.Transition == StepTransition.Started)
        {
            _activity[step.AssetKey] = activity with { RunningIn = runId };
        }
        else if (step.Transition == StepTransition.Canceled && activity.RunningIn == runId)
        {
            _activity[step.AssetKey] = activity with { RunningIn = null };
        }
        else if (step.Transition == StepTransition.Failed)
        {
            _activity[step.AssetKey] = activity with
            {
                LatestFailure = new FailureRecord { RunId = runId, Timestamp = step.Timestamp, Error = step.Error ?? new StepError { Type = "Unknown", Message = "failed" } },
                RunningIn = activity.RunningIn == runId ? null : activity.RunningIn,
            };
        }
    }

    private static AssetGrainState Copy(AssetGrainState state) => new()
    {
        Latest = state.Latest,
        History = [.. state.History],
        LastFailure = state.LastFailure,
    };

    public Task<RunRecord?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_runs.GetValueOrDefault(runId));
        }
    }

    public Task<IReadOnlyList<RunRecord>> GetUnfinishedRunsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values.Where(r => !r.IsFinished).ToList();
            return Task.FromResult(runs);
        }
    }

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values
                .Where(r => query.Statuses.Count == 0 || query.Statuses.Contains(r.Status))
                .Where(r => query.CreatedBefore is not { } before || r.CreatedAt < before || (r.CreatedAt == before && query.Before is { } id && r.RunId.CompareTo(id) < 0))
                .Where(r => query.Tags.All(t => r.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
                .Where(r => query.AssetKey is null || r.AssetKeys.Contains(query.AssetKey))
                .OrderByDescending(r => r.CreatedAt)
                .ThenByDescending(r => r.RunId)
                .Take(Math.Max(0, query.Limit))
                .ToList();
            return Task.FromResult(runs);
        }
    }

    public Task<IReadOnlyList<RunEvent>> GetEventsAsync(Guid runId, long afterSequence, int limit, bool includeLogs = true, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RunEvent> events = (_events.GetValueOrDefault(runId) ?? [])
                .Where(e => e.Sequence > afterSequence && (includeLogs || e.Type != RunEventType.Log))
                .Take(Math.Max(0, limit))
                .ToList();
            return Task.FromResult(events);
        }
    }

    public Task<IReadOnlyList<StepSummary>> GetStepsAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<StepSummary> steps = _steps.Where(s => s.Key.Item1 == runId).Select(s => s.Value).ToList();
            return Task.FromResult(steps);
        }
    }

    public Task<StepSummary?> GetStepAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_steps.GetValueOrDefault((runId, assetKey)));
        }
    }

    public Task<IReadOnlyList<MaterializationRecord>> ListMaterializationsAsync(string assetKey, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<MaterializationRecord> records = (_byAsset.GetValueOrDefault(assetKey) ?? [])
                .Where(m => before is null || m.Timestamp < before)
                .OrderByDescending(m => m.Timestamp)
                .Take(Math.Max(0, limit))
                .ToList();
            return Task.FromResult(records);
        }
    }

    public Task<MaterializationRecord?> FindMaterializationAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_materializations.GetValueOrDefault((runId, assetKey)));
        }
    }

    public Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsync(IReadOnlyCollection<string>? assetKeys, CancellationToken cancellationToken = default, bool details = true)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<string, AssetActivity> activity = (assetKeys ?? (IEnumerable<string>)_activity.Keys)
                .Where(_activity.ContainsKey)
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(k => k, k => _activity[k], StringComparer.Ordinal);
            return Task.FromResult(activity);
        }
    }

    public Task<Guid?> FindRunByKeyAsync(string runKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<Guid?>(_runKeys.TryGetValue(runKey, out var run) ? run : null);
        }
    }

    public Task<AutomationState?> GetAutomationStateAsync(string kind, string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_automation.GetValueOrDefault((kind, name)));
        }
    }

    public Task<IReadOnlyDictionary<string, AutomationListing>> ListAutomationAsync(string kind, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<string, AutomationListing> listing = _automation.Keys.Where(k => k.Item1 == kind).Select(k => k.Item2)
                .Union(_ticks.Keys.Where(k => k.Item1 == kind).Select(k => k.Item2))
                .ToDictionary(
                    name => name,
                    name => new AutomationListing(
                        _automation.GetValueOrDefault((kind, name)),
                        _ticks.GetValueOrDefault((kind, name)) is { Count: > 0 } ticks ? ticks.Values[^1] : null),
                    StringComparer.Ordinal);
            return Task.FromResult(listing);
        }
    }

    public Task<IReadOnlyList<Automation.TickRecord>> ListTicksAsync(string kind, string name, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Automation.TickRecord> ticks = (_ticks.GetValueOrDefault((kind, name))?.Values ?? [])
                .Where(t => before is null || t.At < before)
                .OrderByDescending(t => t.At)
                .Take(Math.Max(0, limit))
                .ToList();
            return Task.FromResult(ticks);
        }
    }

    private AssetActivity Activity(string key) => _activity.GetValueOrDefault(key) ?? new AssetActivity(key, null, null, null);

    private void ClearRunning(Guid runId)
    {
        foreach (var (key, activity) in _activity.Where(a => a.Value.RunningIn == runId).ToList())
        {
            _activity[key] = activity with { RunningIn = null };
        }
    }
}
