using OrleansAssets.Assets;

namespace OrleansAssets.Assets;

/// <summary>
/// How an asset's status follows from its records, in one place for the asset grain and for listings that read
/// the run storage instead of waking grains.
/// </summary>
internal static class AssetStatusRules
{
    public static AssetStatus Derive(MaterializationRecord? latest, FailureRecord? lastFailure, bool running, IReadOnlyCollection<string> staleBecause)
    {
        if (running)
        {
            return AssetStatus.Materializing;
        }

        if (lastFailure is not null && (latest is null || lastFailure.Timestamp > latest.Timestamp))
        {
            return AssetStatus.Failed;
        }

        if (latest is null)
        {
            return AssetStatus.Never;
        }

        return staleBecause.Count > 0 ? AssetStatus.Stale : AssetStatus.Materialized;
    }

    /// <summary>
    /// The upstream assets whose latest materialization is not the one <paramref name="latest"/> consumed:
    /// an upstream changed since, so this asset's value is behind.
    /// </summary>
    public static List<string> StaleBecause(MaterializationRecord? latest, IEnumerable<string> upstreamKeys, Func<string, Guid?> upstreamLatestRun)
    {
        if (latest is null)
        {
            return [];
        }

        return upstreamKeys
            .Where(u => upstreamLatestRun(u) is { } current
                && (!latest.ConsumedUpstream.TryGetValue(u, out var consumed) || consumed != current))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
