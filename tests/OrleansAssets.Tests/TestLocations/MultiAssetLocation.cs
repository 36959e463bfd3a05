using Microsoft.Extensions.Logging;

namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// Multi-assets: one that splits orders by region (not subsettable, each output a value a downstream asset
/// reads), one that can be subset and says which outputs it was asked for, and one whose code throws.
/// </summary>
public sealed class MultiAssetLocation : ICodeLocation
{
    /// <summary>How many times each multi-asset's code ran, so a test can tell a step ran once for all its outputs.</summary>
    public static readonly Dictionary<string, int> Runs = new(StringComparer.Ordinal);

    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAsset(new AssetSpecification("orders") { Group = "multi" }, _ => ValueTask.FromResult(new MaterializeResult { Metadata = { ["rows"] = MetadataValue.Int(5) } }))
        .AddMultiAsset(
            new MultiAssetSpecification("split_orders")
            {
                Group = "multi",
                Deps = ["orders"],
                Outputs =
                [
                    new AssetSpecification("orders_eu") { Kinds = ["json"] },
                    new AssetSpecification("orders_us") { Kinds = ["json"], CodeVersion = "2" },
                ],
            },
            context =>
            {
                Count("split_orders");
                context.Log.LogInformation("splitting {Count} outputs", context.SelectedOutputs.Count);
                return ValueTask.FromResult(new MultiAssetResult
                {
                    ["orders_eu"] = new Output<int[]>([10, 20]) { Metadata = { ["rows"] = MetadataValue.Int(2) } },
                    ["orders_us"] = new Output<int[]>([1, 2, 3]) { Metadata = { ["rows"] = MetadataValue.Int(3) }, DataVersion = "us-v1" },
                });
            })
        .AddAssets<OrderTotals>()
        .AddMultiAsset(
            new MultiAssetSpecification("dimensions")
            {
                Group = "multi",
                CanSubset = true,
                Outputs = [new AssetSpecification("dim_a"), new AssetSpecification("dim_b"), new AssetSpecification("dim_c")],
            },
            context =>
            {
                Count("dimensions");
                var result = new MultiAssetResult();
                foreach (var output in context.SelectedOutputs)
                {
                    result[output] = new MaterializeResult { Metadata = { ["asked_for"] = MetadataValue.FromText(string.Join(",", context.SelectedOutputs)) } };
                }

                return ValueTask.FromResult(result);
            })
        .AddMultiAsset(
            new MultiAssetSpecification("broken_pair") { Group = "broken", Outputs = [new AssetSpecification("broken_left"), new AssetSpecification("broken_right")] },
            _ => throw new InvalidOperationException("the source is down"))
        .AddMultiAsset(
            new MultiAssetSpecification("forgetful") { Group = "broken", Outputs = [new AssetSpecification("forgetful_kept"), new AssetSpecification("forgetful_lost")] },
            _ => ValueTask.FromResult(new MultiAssetResult { ["forgetful_kept"] = new MaterializeResult(), ["not_an_output"] = new MaterializeResult() }));

    private static void Count(string multiAsset)
    {
        lock (Runs)
        {
            Runs[multiAsset] = Runs.GetValueOrDefault(multiAsset) + 1;
        }
    }
}

/// <summary>Reads both outputs of <c>split_orders</c> through the IO manager, as any downstream asset reads a value.</summary>
public sealed class OrderTotals
{
    [Asset(Group = "multi")]
    public static Output<int> OrdersTotal(int[] ordersEu, int[] ordersUs) =>
        new(ordersEu.Sum() + ordersUs.Sum()) { Metadata = { ["total"] = MetadataValue.Int(ordersEu.Sum() + ordersUs.Sum()) } };
}
