using Microsoft.Data.Analysis;
using OrleansAssets;

[assembly: CodeLocation(typeof(MetadataKinds.MetadataKindsLocation), Name = "kinds")]

namespace MetadataKinds;

/// <summary>
/// Two assets with two-part keys (<c>reports/every_kind</c> and the <c>reports/downstream</c> after it): the first
/// records one metadata value of each kind, a number that changes every run (for the history plot), and markdown
/// that tries to run script, which the dashboard must show as text only. Each has an owner of its own and only the
/// second a kind, for the catalog's filters; the multi-asset <c>report_split</c> after the first makes two more
/// (<c>reports/part_a</c>, <c>reports/part_b</c>), for the marker its outputs get.
/// </summary>
public sealed class MetadataKindsLocation : ICodeLocation
{
    public const string Hostile = "<img src=\"x\" onerror=\"window.__xss = 'img'\"> <script>window.__xss = 'script'</script> [link](javascript:window.__xss='link')";

    private static int _runs;

    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAsset(
            new AssetSpecification("reports/every_kind") { Group = "reports", Description = "one metadata value of each kind", Owners = ["qa@example.com"], Tags = new Dictionary<string, string> { ["kind"] = "all" } },
            _ => ValueTask.FromResult(new MaterializeResult
            {
                Metadata =
                {
                    ["count"] = 42,
                    ["ratio"] = 3.25,
                    ["ok"] = true,
                    ["note"] = "plain text",
                    ["runs"] = Interlocked.Increment(ref _runs),
                    ["summary"] = MetadataValue.Markdown("| k | v |\n| - | -: |\n| a | 1 |\n| b | 2 |\n\n" + Hostile),
                    ["file"] = MetadataValue.Path("/data/reports/every_kind.csv"),
                    ["link"] = MetadataValue.Url("https://example.com/report?id=7"),
                    ["doc"] = MetadataValue.Json(new { name = "every_kind", values = new[] { 1, 2, 3 } }),
                    ["sample"] = MetadataValue.Table(new DataFrame(
                        new StringDataFrameColumn("product", ["A", "B"]),
                        new Int64DataFrameColumn("quantity", [25L, 52L]))),
                },
            }))
        .AddAsset(
            // An owner and a kind of its own, so the catalog's owner and kind filters each leave one of the two.
            new AssetSpecification("reports/downstream") { Group = "reports", Deps = ["reports/every_kind"], Owners = ["team:reports"], Kinds = ["parquet"] },
            _ => ValueTask.FromResult(new MaterializeResult()))
        // Two outputs of one step, for the dashboard's multi-asset marker on their nodes and rows.
        .AddMultiAsset(
            new MultiAssetSpecification("report_split")
            {
                Group = "reports",
                Deps = ["reports/every_kind"],
                Outputs = [new AssetSpecification("reports/part_a") { Kinds = ["csv"] }, new AssetSpecification("reports/part_b")],
            },
            _ => ValueTask.FromResult(new MultiAssetResult { ["reports/part_a"] = new MaterializeResult(), ["reports/part_b"] = new MaterializeResult() }));
}
