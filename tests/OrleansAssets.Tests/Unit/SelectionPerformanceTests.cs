using System.Diagnostics;
using OrleansAssets.Assets;
using OrleansAssets.Graph;
using OrleansAssets.Selection;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// How long a resolve takes over the LargeCatalog test location's shape (10,000 assets: 100 groups of 10 layers of 10,
/// each asset after two of the layer before, each group after the one before). It reports, it does not assert: timings
/// on a shared CI machine are figures to watch, not a contract.
/// </summary>
public sealed class SelectionPerformanceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("+group:group_042+")]
    [InlineData("key:\"*_7*\"")]
    [InlineData("key:\"*_a07*\"")]
    [InlineData("sinks(group:group_042) or roots(*)")]
    [InlineData("not group:group_042 and kind:none or g042_a000+3")]
    public void Resolving_over_ten_thousand_assets(string selection)
    {
        var graph = LargeCatalog();
        var parsed = AssetSelection.Parse(selection);
        var keys = parsed.Resolve(graph);
        const int rounds = 20;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            parsed.Resolve(graph);
        }

        var parse = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            AssetSelection.Parse(selection);
        }

        output.WriteLine($"{selection}: {keys.Count} of {graph.Assets.Count} assets, {watch.Elapsed.TotalMilliseconds / rounds:F2} ms per resolve, {parse.Elapsed.TotalMilliseconds * 1000 / rounds:F1} µs per parse");
    }

    private static AssetGraph LargeCatalog()
    {
        const int groups = 100, perGroup = 100, width = 10;
        var specs = new List<AssetSpec>();
        for (var group = 0; group < groups; group++)
        {
            for (var i = 0; i < perGroup; i++)
            {
                var (layer, column) = (i / width, i % width);
                List<string> deps = layer > 0
                    ? [Key(group, ((layer - 1) * width) + column), Key(group, ((layer - 1) * width) + ((column + 1) % width))]
                    : group > 0 ? [Key(group - 1, perGroup - width + column)] : [];
                specs.Add(new AssetSpec { Key = Key(group, i), Dependencies = deps, Group = $"group_{group:D3}", CodeLocation = "large" });
            }
        }

        return new AssetGraph(1, specs);
    }

    private static string Key(int group, int index) => $"g{group:D3}_a{index:D3}";
}
