using OrleansAssets.Assets;

namespace OrleansAssets.Assets;

/// <summary>What the rules need to know of one upstream asset: its loaded code version and its latest materialization.</summary>
/// <param name="LoadedCodeVersion">The code version the catalog declares for it now.</param>
/// <param name="LatestRun">The run of its latest materialization; null when it was never materialized.</param>
/// <param name="LatestCodeVersion">The code version its latest materialization ran with.</param>
internal readonly record struct UpstreamFacts(string Key, string? LoadedCodeVersion, Guid? LatestRun, string? LatestCodeVersion);

/// <summary>
/// How an asset's status follows from its records, in one place for the asset grain and for listings that read
/// the run storage instead of waking grains.
/// </summary>
internal static class AssetStatusRules
{
    public static AssetStatus Derive(MaterializationRecord? latest, FailureRecord? lastFailure, bool running, IReadOnlyCollection<StaleReason> reasons) =>
        Derive(latest, lastFailure, running, reasons.Count(r => r.Kind != StaleReasonKind.NeverMaterialized));

    private static AssetStatus Derive(MaterializationRecord? latest, FailureRecord? lastFailure, bool running, int staleReasons)
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

        return staleReasons > 0 ? AssetStatus.Stale : AssetStatus.Materialized;
    }

    /// <summary>
    /// Every reason the asset is behind, from its own latest materialization, the code version loaded now and what
    /// is known of its upstream: its code version changed; an upstream's loaded code version is not the one of
    /// the materialization it consumed; an upstream was materialized since; or it was never materialized.
    /// </summary>
    /// <remarks>
    /// An upstream's code change is judged against what this asset consumed, not against the upstream's latest, so it
    /// stays a reason after the upstream is materialized again, until this asset consumes the new code's output.
    /// Records from before code versions have no consumed versions: the upstream's latest stands for them.
    /// </remarks>
    public static List<StaleReason> Reasons(string? loadedCodeVersion, MaterializationRecord? latest, IEnumerable<UpstreamFacts> upstream)
    {
        if (latest is null)
        {
            return [StaleReason.NeverMaterialized()];
        }

        var reasons = new List<StaleReason>();
        if (!string.Equals(latest.CodeVersion, loadedCodeVersion, StringComparison.Ordinal))
        {
            reasons.Add(StaleReason.CodeVersionChanged(latest.CodeVersion, loadedCodeVersion));
        }

        var facts = upstream.OrderBy(u => u.Key, StringComparer.Ordinal).ToList();
        foreach (var u in facts)
        {
            var consumedVersion = latest.UpstreamCodeVersions.TryGetValue(u.Key, out var consumed)
                ? (Known: true, Version: consumed)
                : (Known: u.LatestRun is not null, Version: u.LatestCodeVersion);
            if (consumedVersion.Known && !string.Equals(consumedVersion.Version, u.LoadedCodeVersion, StringComparison.Ordinal))
            {
                reasons.Add(StaleReason.UpstreamCodeVersionChanged(u.Key, consumedVersion.Version, u.LoadedCodeVersion));
            }
        }

        var latestRuns = facts.ToDictionary(u => u.Key, u => u.LatestRun, StringComparer.Ordinal);
        foreach (var key in StaleBecause(latest, latestRuns.Keys, k => latestRuns[k]))
        {
            reasons.Add(StaleReason.UpstreamMaterialized(key));
        }

        return reasons;
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

    /// <summary>The keys of the upstream materialized since, as <see cref="AssetState.StaleBecause"/> has them.</summary>
    public static List<string> UpstreamMaterializedSince(IEnumerable<StaleReason> reasons) =>
        [.. reasons.Where(r => r.Kind == StaleReasonKind.UpstreamMaterialized).Select(r => r.Upstream!)];
}
