using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansAssets.Assets;
using OrleansAssets.Cluster;
using OrleansAssets.CodeLocations;
using OrleansAssets.Graph;
using OrleansAssets.Runs;
using OrleansAssets.Selection;
using OrleansAssets.Storage;

namespace OrleansAssets.Queries;

/// <summary>
/// Answers reads from the catalog and the run storage on whichever silo the caller reaches. Listings never wake
/// asset grains; one asset's details ask that one grain.
/// </summary>
[StatelessWorker]
internal sealed class QueryGrain(
    AssetGraphCache graphs,
    IRunRecordStore runs, IEventLogStore eventLog, IAssetStateStore assetState, IAutomationStore automation,
    ISiloMetadataCache siloMetadata,
    ILocalSiloDetails localSilo,
    CodeLocationRegistry localLocations) : Grain, IQueryGrain
{
    private const int MaxEventsPerPage = 10_000;

    public async Task<List<AssetSummary>> ListAssets()
    {
        var graph = await graphs.GetAsync();
        return Summaries(graph, graph.TopologicalOrder, await assetState.GetActivityAsync(null, details: false)).ToList();
    }

    public async Task<AssetPage> FindAssets(AssetQuery query)
    {
        var graph = await graphs.GetAsync();
        var resolved = query.Selection is { } selection ? AssetSelection.Parse(selection).Resolve(graph, query.SkipUnknownKeys) : null;
        IEnumerable<string> keys = resolved?.Keys ?? graph.TopologicalOrder;
        keys = keys.Where(k => (query.Group is null || graph.Get(k).Group == query.Group) && (query.CodeLocation is null || graph.Get(k).CodeLocation == query.CodeLocation));
        var matching = Summaries(graph, keys, await assetState.GetActivityAsync(null, details: false)).Where(a => query.Status is null || a.Status == query.Status);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var page = matching.Skip(Math.Max(0, query.Offset)).Take(limit + 1).ToList();
        return new AssetPage
        {
            Items = page.Take(limit).ToList(),
            NextOffset = page.Count > limit ? Math.Max(0, query.Offset) + limit : null,
            Warnings = [.. resolved?.Warnings ?? []],
        };
    }

    public async Task<Lineage> GetLineage(string? selection)
    {
        var graph = await graphs.GetAsync();
        var keys = selection is null ? graph.TopologicalOrder : AssetSelection.Parse(selection).Resolve(graph);
        var included = keys.ToHashSet(StringComparer.Ordinal);
        var nodes = Summaries(graph, keys, await assetState.GetActivityAsync(null, details: false)).Select(a => new LineageNode
        {
            Key = a.Key,
            Group = a.Group,
            CodeLocation = a.CodeLocation,
            Status = a.Status,
            LastMaterializedAt = a.LastMaterializedAt,
            Description = a.Description,
            StaleReasons = a.StaleReasons,
            CodeVersion = a.CodeVersion,
            Kinds = a.Kinds,
            Owners = a.Owners,
            IsExternal = a.IsExternal,
            MultiAsset = a.MultiAsset,
        }).ToList();
        return new Lineage
        {
            Nodes = nodes,
            Edges = [.. keys.SelectMany(k => graph.UpstreamOf(k).Where(included.Contains).Select(u => new LineageEdge(u, k)))],
        };
    }

    private static IEnumerable<AssetSummary> Summaries(AssetGraph graph, IEnumerable<string> keys, IReadOnlyDictionary<string, AssetActivity> activity) =>
        keys.Select(key =>
        {
            var spec = graph.Get(key);
            var mine = activity.GetValueOrDefault(key);
            var latest = mine?.LatestMaterialization;
            // The same rules as the asset grain's, from the same facts: the catalog's code versions and the storage's latest.
            var reasons = AssetStatusRules.Reasons(spec.CodeVersion, latest, graph.UpstreamOf(key).Select(u =>
            {
                var upstreamLatest = activity.GetValueOrDefault(u)?.LatestMaterialization;
                return new UpstreamFacts(u, graph.Find(u)?.CodeVersion, upstreamLatest?.RunId, upstreamLatest?.CodeVersion);
            }).ToList());
            return new AssetSummary
            {
                Key = key,
                Description = spec.Description,
                Group = spec.Group,
                CodeLocation = spec.CodeLocation,
                Dependencies = spec.Dependencies,
                Tags = spec.Tags,
                Status = AssetStatusRules.Derive(latest, mine?.LatestFailure, mine?.RunningIn is not null, reasons),
                LastMaterializedAt = latest?.Timestamp,
                LastRunId = latest?.RunId,
                CodeVersion = spec.CodeVersion,
                StaleReasons = reasons,
                Owners = spec.Owners,
                Kinds = spec.Kinds,
                IsExternal = spec.IsExternal,
                MultiAsset = spec.MultiAsset,
            };
        });

    public async Task<AssetDetails> GetAsset(string key)
    {
        var graph = await graphs.GetAsync();
        var spec = graph.Find(key) ?? throw new NotFoundException(UnknownAsset(graph, key));
        var state = await GrainFactory.GetGrain<IAssetGrain>(key).GetState();
        return new AssetDetails { Spec = spec, State = state, Dependents = [.. graph.DownstreamOf(key)] };
    }

    public async Task<List<MaterializationRecord>> ListMaterializations(string key, DateTimeOffset? before, int limit)
    {
        var graph = await graphs.GetAsync();
        if (!graph.Contains(key))
        {
            throw new NotFoundException(UnknownAsset(graph, key));
        }

        return [.. await assetState.ListMaterializationsAsync(key, before, Math.Clamp(limit, 1, 1000))];
    }

    public async Task<List<RunRecord>> ListRuns(RunQuery query) =>
        [.. await runs.ListRunsAsync(query with { Limit = Math.Clamp(query.Limit, 1, 1000) })];

    public async Task<RunDetails> GetRun(Guid runId, long afterSequence, int maxEvents)
    {
        var run = await runs.GetRunAsync(runId) ?? throw new NotFoundException($"Unknown run {runId}.");
        var steps = (await eventLog.GetStepsAsync(runId)).ToDictionary(s => s.AssetKey, StringComparer.Ordinal);
        var events = await eventLog.GetEventsAsync(runId, afterSequence, Math.Clamp(maxEvents, 0, MaxEventsPerPage));
        return new RunDetails
        {
            QueuePosition = run.Status == RunStatus.Queued ? await GrainFactory.GetGrain<IRunQueueGrain>(0).PositionOf(runId) : null,
            Run = run,
            Steps =
            [
                .. run.AssetKeys.Select(k => steps.GetValueOrDefault(k) ?? new StepSummary { AssetKey = k }),
                .. run.Ops.Select(k => (steps.GetValueOrDefault(k) ?? new StepSummary { AssetKey = k }) with { Kind = StepKind.Op }),
            ],
            Events = [.. events],
            NextCursor = events.Count > 0 ? events[^1].Sequence : afterSequence,
        };
    }

    public async Task<List<JobInfo>> ListJobs()
    {
        var graph = await graphs.GetAsync();
        return [.. graph.Jobs.Values.OrderBy(j => j.Name, StringComparer.Ordinal).Select(j => JobInfoOf(graph, j))];
    }

    public async Task<JobInfo> GetJob(string name)
    {
        var graph = await graphs.GetAsync();
        return graph.Jobs.TryGetValue(name, out var job)
            ? JobInfoOf(graph, job)
            : throw new NotFoundException($"Unknown job {UserText.Quote(name)}{(graph.Jobs.Count == 0 ? "; the cluster has no jobs" : $"; jobs: {string.Join(", ", graph.Jobs.Keys.Order(StringComparer.Ordinal).Take(20))}")}.");
    }

    private static JobInfo JobInfoOf(AssetGraph graph, JobSpec job)
    {
        var assets = string.IsNullOrEmpty(job.Selection) ? [] : AssetSelection.Parse(job.Selection).Resolve(graph);
        return new JobInfo
        {
            Job = job,
            // A job's run leaves external assets out (they are reported, not run): so do its steps.
            Steps = [.. assets.Select(graph.Get).Where(a => !a.IsExternal), .. job.Ops.Select(o => graph.Ops.GetValueOrDefault(o)).OfType<AssetSpec>()],
        };
    }

    public async Task<List<Automation.AutomationInfo>> ListSchedules()
    {
        var graph = await graphs.GetAsync();
        var kept = await automation.ListAutomationAsync(Automation.RunKeys.ScheduleKind);
        var now = DateTimeOffset.UtcNow;
        return [.. graph.Schedules.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
        {
            var listing = kept.GetValueOrDefault(s.Name);
            return Automation.AutomationInfos.Of(s, listing?.State?.Status ?? s.DefaultStatus, listing?.State?.Cursor, listing?.LastTick, now);
        })];
    }

    public async Task<List<Automation.AutomationInfo>> ListSensors()
    {
        var graph = await graphs.GetAsync();
        var kept = await automation.ListAutomationAsync(Automation.RunKeys.SensorKind);
        return [.. graph.Sensors.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
        {
            var listing = kept.GetValueOrDefault(s.Name);
            return Automation.AutomationInfos.Of(s, listing?.State?.Status ?? s.DefaultStatus, listing?.State?.Cursor, listing?.LastTick);
        })];
    }

    public async Task<Automation.AutomationInfo> GetAutomation(Automation.AutomationKind kind, string name) => kind == Automation.AutomationKind.Schedule
        ? await (await ScheduleAsync(name)).Get()
        : await (await SensorAsync(name)).Get();

    public async Task<Automation.AutomationInfo> SetAutomationStatus(Automation.AutomationKind kind, string name, Automation.AutomationStatus status, string by)
    {
        if (kind == Automation.AutomationKind.Schedule)
        {
            var schedule = await ScheduleAsync(name);
            return status == Automation.AutomationStatus.Running ? await schedule.Start(by) : await schedule.Stop(by);
        }

        var sensor = await SensorAsync(name);
        return status == Automation.AutomationStatus.Running ? await sensor.Start(by) : await sensor.Stop(by);
    }

    public async Task<List<Automation.TickRecord>> ListTicks(Automation.AutomationKind kind, string name, DateTimeOffset? before, int limit)
    {
        // Checked against the catalog, so an unknown name is an error, not an empty history.
        _ = kind == Automation.AutomationKind.Schedule ? (object)await ScheduleAsync(name) : await SensorAsync(name);
        var ticks = await automation.ListTicksAsync(kind == Automation.AutomationKind.Schedule ? Automation.RunKeys.ScheduleKind : Automation.RunKeys.SensorKind, name, before, Math.Clamp(limit, 1, 1000));
        return [.. ticks];
    }

    private async Task<Automation.IScheduleGrain> ScheduleAsync(string name)
    {
        var graph = await graphs.GetAsync();
        return graph.Schedules.ContainsKey(name)
            ? GrainFactory.GetGrain<Automation.IScheduleGrain>(name)
            : throw new NotFoundException(await Automation.AutomationInfos.UnknownAsync(graphs, "schedule", name));
    }

    private async Task<Automation.ISensorGrain> SensorAsync(string name)
    {
        var graph = await graphs.GetAsync();
        return graph.Sensors.TryGetValue(name, out var spec)
            ? GrainFactory.GetGrain<Automation.ISensorGrain>(spec.GrainKey)
            : throw new NotFoundException(await Automation.AutomationInfos.UnknownAsync(graphs, "sensor", name));
    }

    public Task<List<CodeLocationInfo>> ListCodeLocations() => FromDatabaseAsync(ListCodeLocationsCore);

    public Task<List<SiloInfo>> ListSilos() => FromDatabaseAsync(ListSilosCore);

    private async Task<List<CodeLocationInfo>> ListCodeLocationsCore()
    {
        var snapshot = await GrainFactory.GetGrain<IAssetCatalogGrain>(0).GetGraph(0);
        var silos = await ListSilosCore();
        return snapshot!.CodeLocations.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => new CodeLocationInfo
        {
            Name = l.Name,
            Assembly = l.Assembly,
            Version = l.Version,
            AssetCount = l.Assets.Count,
            Silos = [.. silos.Where(s => s.Status == SiloState.Active && s.CodeLocations.Contains(l.Name)).Select(s => s.Address)],
        }).ToList();
    }

    private async Task<List<SiloInfo>> ListSilosCore()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var publishers = await GrainFactory.GetGrain<IAssetCatalogGrain>(0).GetPublishers();
        return hosts.OrderBy(h => h.StartTime).Select(h =>
        {
            var state = h.Status switch
            {
                SiloStatus.Active => SiloState.Active,
                SiloStatus.ShuttingDown or SiloStatus.Stopping => SiloState.ShuttingDown,
                SiloStatus.Dead => SiloState.Dead,
                _ => SiloState.Joining,
            };
            var locations = state == SiloState.Dead
                ? publishers.GetValueOrDefault(h.SiloAddress.ToParsableString()) ?? []
                : CodeLocationsOf(h.SiloAddress);
            return new SiloInfo
            {
                Address = h.SiloAddress.Endpoint.ToString(),
                Name = h.SiloName,
                HostName = h.HostName,
                Status = state,
                CodeLocations = [.. locations.Order(StringComparer.Ordinal)],
                StartedAt = h.StartTime == default ? null : new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)),
                Gateway = h.ProxyPort > 0 ? $"{h.SiloAddress.Endpoint.Address}:{h.ProxyPort}" : null,
            };
        }).ToList();
    }

    /// <summary>
    /// Orleans' own providers (membership, grain storage) read the same database; their failure is a storage
    /// outage to the caller, said as one, and must not carry a database exception that cannot cross the call.
    /// </summary>
    private static async Task<T> FromDatabaseAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (DatabaseFailure(e) is { } failure)
        {
            throw new StorageUnavailableException($"The cluster's database is unavailable: {failure.Message}");
        }
    }

    private static Exception? DatabaseFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException or System.Net.Sockets.SocketException)
            {
                return e;
            }
        }

        return null;
    }

    private IEnumerable<string> CodeLocationsOf(SiloAddress silo) => silo.Equals(localSilo.SiloAddress)
        ? localLocations.Names
        : SiloCodeLocations.Read(siloMetadata.GetSiloMetadata(silo));

    private static string UnknownAsset(AssetGraph graph, string key) =>
        graph.Assets.Count == 0 ? $"Unknown asset key '{key}': the cluster has no assets yet." : $"Unknown asset key '{key}'.";
}
