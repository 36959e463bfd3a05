namespace OrleansAssets.Assets;

/// <summary>An asset's definition as the cluster knows it: no code, just what it is and what it depends on.</summary>
[GenerateSerializer, Alias("oa.AssetSpec")]
public sealed record AssetSpec
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public string? Description { get; init; }

    [Id(2)] public string Group { get; init; } = "default";

    [Id(3)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(4)] public List<string> Owners { get; init; } = [];

    /// <summary>Every upstream key: those whose values it receives and those it only runs after.</summary>
    [Id(5)] public List<string> Dependencies { get; init; } = [];

    /// <summary>The upstream keys whose values it receives as parameters (a subset of <see cref="Dependencies"/>).</summary>
    [Id(6)] public List<string> Inputs { get; init; } = [];

    [Id(7)] public required string CodeLocation { get; init; }

    [Id(8)] public string? IOManager { get; init; }
}

/// <summary>Where an asset stands: never materialized, being materialized, materialized, failed, or stale (an upstream changed since).</summary>
[GenerateSerializer, Alias("oa.AssetStatus")]
public enum AssetStatus
{
    Never,
    Materializing,
    Materialized,
    Failed,
    Stale,
}
