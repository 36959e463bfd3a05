namespace OrleansAssets.Assets;

/// <summary>What an asset grain answers about its asset: status, latest materialization, recent history, latest failure.</summary>
[GenerateSerializer, Alias("oa.AssetState")]
public sealed record AssetState
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public AssetStatus Status { get; init; }

    [Id(2)] public MaterializationRecord? Latest { get; init; }

    /// <summary>The most recent materializations, newest first, bounded; the full history is in the run storage.</summary>
    [Id(3)] public List<MaterializationRecord> History { get; init; } = [];

    [Id(4)] public FailureRecord? LastFailure { get; init; }

    /// <summary>The upstream keys that were materialized again after <see cref="Latest"/> consumed them.</summary>
    [Id(5)] public List<string> StaleBecause { get; init; } = [];

    /// <summary>The run materializing the asset now, if any.</summary>
    [Id(6)] public Guid? MaterializingRun { get; init; }

    /// <summary>
    /// Every reason the asset is behind (its code version changed, an upstream's did, an upstream was materialized
    /// since, it was never materialized); empty when it is up to date. Any of them but "never materialized" makes it stale.
    /// </summary>
    [Id(7)] public List<StaleReason> StaleReasons { get; init; } = [];
}
