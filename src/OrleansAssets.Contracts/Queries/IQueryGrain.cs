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
}

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
