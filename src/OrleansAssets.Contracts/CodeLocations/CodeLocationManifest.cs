using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>What a code location publishes to the cluster's catalog when a silo loads it.</summary>
[GenerateSerializer, Alias("oa.CodeLocationManifest")]
public sealed record CodeLocationManifest
{
    [Id(0)] public required string Name { get; init; }

    /// <summary>The user-code assembly's name and version, so a redeploy is visible.</summary>
    [Id(1)] public required string Assembly { get; init; }

    [Id(2)] public required string Version { get; init; }

    [Id(3)] public List<AssetSpec> Assets { get; init; } = [];

    /// <summary>Keys owned by other code locations that assets here depend on (external assets are in <see cref="Assets"/>, marked).</summary>
    [Id(4)] public List<string> AssetsFromOtherLocations { get; init; } = [];

    /// <summary>Its ops: steps of its jobs that materialize nothing (not in the asset graph).</summary>
    [Id(5)] public List<AssetSpec> Ops { get; init; } = [];

    [Id(6)] public List<JobSpec> Jobs { get; init; } = [];

    [Id(7)] public List<Automation.ScheduleSpec> Schedules { get; init; } = [];

    [Id(8)] public List<Automation.SensorSpec> Sensors { get; init; } = [];
}

/// <summary>A job as the cluster knows it: a named selection of assets and ops, launched by name.</summary>
[GenerateSerializer, Alias("oa.JobSpec")]
public sealed record JobSpec
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public string? Description { get; init; }

    [Id(2)] public string? Selection { get; init; }

    [Id(3)] public List<string> Ops { get; init; } = [];

    [Id(4)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(5)] public int Priority { get; init; }

    /// <summary>The default run config, as JSON (an object by step key), or null.</summary>
    [Id(6)] public string? DefaultConfig { get; init; }

    [Id(7)] public required string CodeLocation { get; init; }
}

/// <summary>The whole asset graph of the cluster, across code locations, at one version.</summary>
[GenerateSerializer, Alias("oa.AssetGraphSnapshot")]
public sealed record AssetGraphSnapshot
{
    /// <summary>Grows each time a code location publishes a different manifest.</summary>
    [Id(0)] public long Version { get; init; }

    [Id(1)] public List<CodeLocationManifest> CodeLocations { get; init; } = [];
}

/// <summary>
/// The cluster-wide catalog: every silo publishes the code locations it loads, so the graph spans them and
/// a dependency from one code location to another works.
/// </summary>
[Alias("oa.IAssetCatalogGrain")]
public interface IAssetCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or replaces a code location's manifest; rejects one whose keys another location already owns.</summary>
    [Alias("Publish")]
    Task<long> Publish(CodeLocationManifest manifest, string siloAddress);

    /// <summary>The graph, or null when the caller already holds <paramref name="knownVersion"/>.</summary>
    [AlwaysInterleave]
    [Alias("GetGraph")]
    Task<AssetGraphSnapshot?> GetGraph(long knownVersion);

    /// <summary>Which silo addresses have published which code locations.</summary>
    [AlwaysInterleave]
    [Alias("GetPublishers")]
    Task<Dictionary<string, List<string>>> GetPublishers();
}
