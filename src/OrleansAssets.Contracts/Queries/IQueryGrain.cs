using OrleansAssets.Assets;
using OrleansAssets.Cluster;
using OrleansAssets.CodeLocations;
using OrleansAssets.Runs;

namespace OrleansAssets.Queries;

/// <summary>
/// Answers the questions of the CLI, the SDK and the dashboard from the catalog and the run storage, without
/// activating every asset grain. A stateless worker: every silo answers locally.
/// </summary>
[Alias("oa.IQueryGrain")]
public interface IQueryGrain : IGrainWithIntegerKey
{
    [Alias("ListAssets")]
    Task<List<AssetSummary>> ListAssets();

    /// <summary>A page of the assets that match the query, in the graph's topological order.</summary>
    /// <exception cref="AssetSelectionException">The selection is not valid or names what does not exist.</exception>
    [Alias("FindAssets")]
    Task<AssetPage> FindAssets(AssetQuery query);

    /// <summary>The graph the lineage view draws, each node with its live state, in one call.</summary>
    [Alias("GetLineage")]
    Task<Lineage> GetLineage(string? selection);

    /// <summary>One asset's definition and state; throws <see cref="NotFoundException"/> for an unknown key.</summary>
    [Alias("GetAsset")]
    Task<AssetDetails> GetAsset(string key);

    [Alias("ListMaterializations")]
    Task<List<MaterializationRecord>> ListMaterializations(string key, DateTimeOffset? before, int limit);

    [Alias("ListRuns")]
    Task<List<RunRecord>> ListRuns(RunQuery query);

    /// <summary>A run with its steps and its events after <paramref name="afterSequence"/>; throws <see cref="NotFoundException"/> for an unknown id.</summary>
    [Alias("GetRun")]
    Task<RunDetails> GetRun(Guid runId, long afterSequence, int maxEvents);

    [Alias("ListCodeLocations")]
    Task<List<CodeLocationInfo>> ListCodeLocations();

    [Alias("ListSilos")]
    Task<List<SiloInfo>> ListSilos();

    [Alias("ListJobs")]
    Task<List<JobInfo>> ListJobs();

    /// <summary>One job with its steps; throws <see cref="NotFoundException"/> for an unknown name.</summary>
    [Alias("GetJob")]
    Task<JobInfo> GetJob(string name);

    /// <summary>Every schedule with its status, next ticks and newest tick, without waking the schedule grains.</summary>
    [Alias("ListSchedules")]
    Task<List<Automation.AutomationInfo>> ListSchedules();

    [Alias("ListSensors")]
    Task<List<Automation.AutomationInfo>> ListSensors();

    [Alias("GetAutomation")]
    Task<Automation.AutomationInfo> GetAutomation(Automation.AutomationKind kind, string name);

    /// <summary>Starts or stops a schedule or sensor (persisted); throws <see cref="NotFoundException"/> for an unknown name.</summary>
    [Alias("SetAutomationStatus")]
    Task<Automation.AutomationInfo> SetAutomationStatus(Automation.AutomationKind kind, string name, Automation.AutomationStatus status, string by);

    [Alias("ListTicks")]
    Task<List<Automation.TickRecord>> ListTicks(Automation.AutomationKind kind, string name, DateTimeOffset? before, int limit);
}

/// <summary>A job and the steps it runs (its assets, then its ops), for its page and its launchpad.</summary>
[GenerateSerializer, Alias("oa.JobInfo")]
public sealed record JobInfo
{
    [Id(0)] public required JobSpec Job { get; init; }

    /// <summary>Its assets and ops, upstream first, each with its dependencies and config fields.</summary>
    [Id(1)] public List<AssetSpec> Steps { get; init; } = [];
}

/// <summary>An asset in a listing: definition, status and the latest materialization's time and run.</summary>
[GenerateSerializer, Alias("oa.AssetSummary")]
public sealed record AssetSummary
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public string? Description { get; init; }

    [Id(2)] public string Group { get; init; } = "default";

    [Id(3)] public required string CodeLocation { get; init; }

    [Id(4)] public List<string> Dependencies { get; init; } = [];

    [Id(5)] public AssetStatus Status { get; init; }

    [Id(6)] public DateTimeOffset? LastMaterializedAt { get; init; }

    [Id(7)] public Guid? LastRunId { get; init; }

    [Id(8)] public Dictionary<string, string> Tags { get; init; } = [];

    /// <summary>The code version the catalog's code location declares for it; null for none.</summary>
    [Id(9)] public string? CodeVersion { get; init; }

    /// <summary>Every reason it is behind, as its asset page lists them (see <see cref="AssetState.StaleReasons"/>).</summary>
    [Id(10)] public List<StaleReason> StaleReasons { get; init; } = [];

    [Id(11)] public List<string> Owners { get; init; } = [];

    [Id(12)] public List<string> Kinds { get; init; } = [];

    /// <summary>Produced outside OrleansAssets: reported, never materialized by a run.</summary>
    [Id(13)] public bool IsExternal { get; init; }

    /// <summary>The multi-asset it is an output of, if any.</summary>
    [Id(14)] public string? MultiAsset { get; init; }
}

/// <summary>Which assets to list: each filter narrows; a page starts at <see cref="Offset"/>.</summary>
[GenerateSerializer, Alias("oa.AssetQuery")]
public sealed record AssetQuery
{
    /// <summary>A selection in the selection syntax (<c>*</c>, <c>key+</c>, <c>group:g</c>...).</summary>
    [Id(0)] public string? Selection { get; init; }

    [Id(1)] public string? Group { get; init; }

    [Id(2)] public string? CodeLocation { get; init; }

    [Id(3)] public AssetStatus? Status { get; init; }

    [Id(4)] public int Offset { get; init; }

    [Id(5)] public int Limit { get; init; } = 1000;

    /// <summary>
    /// When set, an unknown bare key in <see cref="Selection"/> selects nothing and is named in <see cref="AssetPage.Warnings"/>
    /// instead of failing the query (what <c>dagster asset list --select</c> does); a malformed selection still fails.
    /// </summary>
    [Id(6)] public bool SkipUnknownKeys { get; init; }
}

[GenerateSerializer, Alias("oa.AssetPage")]
public sealed record AssetPage
{
    [Id(0)] public List<AssetSummary> Items { get; init; } = [];

    /// <summary>The offset of the next page, or null when this page is the last.</summary>
    [Id(1)] public int? NextOffset { get; init; }

    /// <summary>The unknown bare keys the selection named and the query skipped (<see cref="AssetQuery.SkipUnknownKeys"/>), each with a suggestion when one is close.</summary>
    [Id(2)] public List<string> Warnings { get; init; } = [];
}

/// <summary>What the lineage view draws: the assets with their live state, and who depends on whom.</summary>
[GenerateSerializer, Alias("oa.Lineage")]
public sealed record Lineage
{
    [Id(0)] public List<LineageNode> Nodes { get; init; } = [];

    [Id(1)] public List<LineageEdge> Edges { get; init; } = [];
}

[GenerateSerializer, Alias("oa.LineageNode")]
public sealed record LineageNode
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public string Group { get; init; } = "default";

    [Id(2)] public required string CodeLocation { get; init; }

    [Id(3)] public AssetStatus Status { get; init; }

    [Id(4)] public DateTimeOffset? LastMaterializedAt { get; init; }

    [Id(5)] public string? Description { get; init; }

    /// <summary>Every reason the node is behind, for the graph's hover and side panel.</summary>
    [Id(6)] public List<StaleReason> StaleReasons { get; init; } = [];

    [Id(7)] public string? CodeVersion { get; init; }

    [Id(8)] public List<string> Kinds { get; init; } = [];

    /// <summary>Produced outside OrleansAssets: drawn apart, reported, never materialized by a run.</summary>
    [Id(9)] public bool IsExternal { get; init; }

    /// <summary>The multi-asset it is an output of, if any.</summary>
    [Id(10)] public string? MultiAsset { get; init; }

    [Id(11)] public List<string> Owners { get; init; } = [];
}

/// <summary>An upstream asset (<see cref="From"/>) and one that depends on it (<see cref="To"/>).</summary>
[GenerateSerializer, Alias("oa.LineageEdge")]
public sealed record LineageEdge(
    [property: Id(0)] string From,
    [property: Id(1)] string To);

/// <summary>One asset: its definition, its state and who depends on it.</summary>
[GenerateSerializer, Alias("oa.AssetDetails")]
public sealed record AssetDetails
{
    [Id(0)] public required AssetSpec Spec { get; init; }

    [Id(1)] public required AssetState State { get; init; }

    [Id(2)] public List<string> Dependents { get; init; } = [];
}

[GenerateSerializer, Alias("oa.CodeLocationInfo")]
public sealed record CodeLocationInfo
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public required string Assembly { get; init; }

    [Id(2)] public required string Version { get; init; }

    [Id(3)] public int AssetCount { get; init; }

    /// <summary>Addresses of the live silos that load it.</summary>
    [Id(4)] public List<string> Silos { get; init; } = [];
}
