using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Storage;

/// <summary>
/// The run storage of dev mode and unit tests: everything in this process's memory, gone when it stops.
/// </summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RunRecord> _runs = [];
    private readonly Dictionary<Guid, List<RunEvent>> _events = [];
    private readonly Dictionary<(Guid, string), MaterializationRecord> _materializations = [];
    private readonly Dictionary<string, List<MaterializationRecord>> _byAsset = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssetActivity> _activity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredAssetState> _assetStates = new(StringComparer.Ordinal);
    private long _sequence;

    public void AppendSoon(RunWrite write) => AppendAsync(write);

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
            if (write.AssetState is { } check && _assetStates.GetValueOrDefault(check.AssetKey)?.Version != check.ExpectedVersion
                && (write.Materialization is null || !_materializations.ContainsKey((write.Materialization.RunId, write.Materialization.AssetKey))))
            {
                return Task.FromException<RunWriteResult>(new AssetStateConflictException(
                    $"The stored state of asset '{check.AssetKey}' moved on since it was read (expected version {check.ExpectedVersion?.ToString() ?? "none"})."));
            }

            var recorded = false;
            if (write.Materialization is { } m)
            {
                recorded = _materializations.TryAdd((m.RunId, m.AssetKey), m);
                if (recorded)
                {
                    var history = _byAsset.TryGetValue(m.AssetKey, out var list) ? list : _byAsset[m.AssetKey] = [];
                    history.Add(m);
                    var activity = Activity(m.AssetKey);
                    _activity[m.AssetKey] = activity with
                    {
                        LatestMaterialization = m,
                        RunningIn = activity.RunningIn == m.RunId ? null : activity.RunningIn,
                    };
                }
            }

            if (write.StepStarted is { } started)
            {
                _activity[started] = Activity(started) with { RunningIn = write.RunId };
            }

            if (write.StepFailure is var (failedKey, failure))
            {
                var activity = Activity(failedKey);
                _activity[failedKey] = activity with
                {
                    LatestFailure = failure,
                    RunningIn = activity.RunningIn == write.RunId ? null : activity.RunningIn,
                };
            }

            if (write.Run is { } run)
            {
                _runs[run.RunId] = run;
                if (run.IsFinished)
                {
                    ClearRunning(run.RunId);
                }
            }

            var log = _events.TryGetValue(write.RunId, out var events) ? events : _events[write.RunId] = [];
            foreach (var e in write.Events)
            {
                if (e.Type == RunEventType.Materialization && write.Materialization is not null && !recorded)
                {
                    continue;
                }

                log.Add(e with { Sequence = ++_sequence });
            }

            int? version = null;
            if (write.AssetState is { } state && (write.Materialization is null || recorded))
            {
                version = (state.ExpectedVersion ?? 0) + 1;
                _assetStates[state.AssetKey] = new StoredAssetState(Copy(state.State), version.Value);
            }

            return Task.FromResult(new RunWriteResult(recorded, version));
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

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RunRecord> runs = _runs.Values
                .Where(r => query.Statuses.Count == 0 || query.Statuses.Contains(r.Status))
                .Where(r => query.CreatedBefore is null || r.CreatedAt < query.CreatedBefore)
                .OrderByDescending(r => r.CreatedAt)
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

    public Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsync(IReadOnlyCollection<string>? assetKeys, CancellationToken cancellationToken = default)
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

    private AssetActivity Activity(string key) => _activity.GetValueOrDefault(key) ?? new AssetActivity(key, null, null, null);

    private void ClearRunning(Guid runId)
    {
        foreach (var (key, activity) in _activity.Where(a => a.Value.RunningIn == runId).ToList())
        {
            _activity[key] = activity with { RunningIn = null };
        }
    }
}
