namespace OrleansAssets.CodeLocations;

/// <summary>
/// Reads a multi-asset into one declared asset per output, each an asset of its own that shares the step; they are
/// checked and defined with every other asset (<see cref="AssetDefinitionReader.Define"/>), and what is wrong with the
/// multi-asset itself goes to <paramref name="problemsFound"/>, reported with the rest.
/// </summary>
internal static class MultiAssetReader
{
    public static IReadOnlyList<DeclaredAsset> Read(MultiAssetSpecification specification, Func<AssetContext, ValueTask<MultiAssetResult>> materialize, string codeLocation, List<string> problemsFound)
    {
        var name = specification.Name;
        var where = $"multi-asset '{UserText.Shorten(name)}' of code location '{codeLocation}'";
        var problems = new List<string>();
        if (!AssetKeys.IsValid(name) || name.Contains('/', StringComparison.Ordinal))
        {
            problems.Add($"{where} has a name that is not valid; use letters, digits and '_'");
        }

        if (specification.Outputs.Count == 0)
        {
            problems.Add($"{where} declares no outputs; give it at least one AssetSpecification in Outputs");
        }

        var outputKeys = specification.Outputs.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var twice in specification.Outputs.GroupBy(o => o.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{where} declares output '{UserText.Shorten(twice.Key)}' {twice.Count()} times");
        }

        foreach (var output in specification.Outputs)
        {
            foreach (var sibling in output.Deps.Concat(specification.Deps).Where(outputKeys.Contains).Distinct(StringComparer.Ordinal))
            {
                problems.Add($"{where}: output '{output.Key}' depends on '{sibling}', another output of the same step, which is computed at the same time");
            }
        }

        problemsFound.AddRange(problems);
        var multi = new MultiAssetDefinition(name, [.. specification.Outputs.Select(o => o.Key)], specification.CanSubset, materialize);

        // A repeated output is reported above; declaring it once keeps it from being reported again as a duplicate key.
        return [.. specification.Outputs.DistinctBy(o => o.Key, StringComparer.Ordinal).Select(output => CodeAssets.Of(
                output with { Deps = [.. specification.Deps.Concat(output.Deps).Distinct(StringComparer.Ordinal)], Group = output.Group ?? specification.Group },
                NotCalled,
                $"in code location '{codeLocation}'") with
            {
                Source = $"output of multi-asset '{UserText.Shorten(name)}' in code location '{codeLocation}'",
                Multi = multi,
            })];
    }

    /// <summary>An output's own delegate: never called, the multi-asset's code runs for its outputs.</summary>
    private static ValueTask<MaterializeResult> NotCalled(AssetContext context) =>
        throw new InvalidOperationException($"'{context.AssetKey}' is an output of a multi-asset: its step runs the multi-asset's code.");
}
