using OrleansAssets.Graph;

namespace OrleansAssets.Runs;

/// <summary>A run may select part of a multi-asset only when the multi-asset can be subset.</summary>
internal static class MultiAssetSubsets
{
    /// <exception cref="AssetSelectionException">The keys hold some outputs of a multi-asset that cannot be subset; names the ones missing.</exception>
    public static void RequireWhole(AssetGraph graph, IReadOnlyCollection<string> keys)
    {
        var partOf = keys.Select(graph.Find).Where(s => s is { MultiAsset: not null, Subsettable: false }).Select(s => s!.MultiAsset!).ToHashSet(StringComparer.Ordinal);
        if (partOf.Count == 0)
        {
            return;
        }

        var selected = keys.ToHashSet(StringComparer.Ordinal);
        var problems = graph.Assets
            .Where(s => s.MultiAsset is { } multi && partOf.Contains(multi))
            .GroupBy(s => s.MultiAsset!, StringComparer.Ordinal)
            .Select(g => (Multi: g.Key, Selected: g.Where(s => selected.Contains(s.Key)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList(), Missing: g.Where(s => !selected.Contains(s.Key)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList()))
            .Where(p => p.Missing.Count > 0)
            .OrderBy(p => p.Multi, StringComparer.Ordinal)
            .Select(p => $"{Quote(p.Selected)} {(p.Selected.Count == 1 ? "is an output" : "are outputs")} of multi-asset '{p.Multi}', which cannot be subset: select {Quote(p.Missing)} with {(p.Selected.Count == 1 ? "it" : "them")} (its outputs are computed together)")
            .ToList();
        if (problems.Count > 0)
        {
            throw new AssetSelectionException($"{string.Join("; ", problems)}.");
        }
    }

    private static string Quote(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => $"'{k}'"));
}
