using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A cluster with the WarehouseFactory example, loaded from its own folder with its tables.json beside it.</summary>
public sealed class WarehouseClusterFixture : ClusterFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options)
    {
        options.AddCodeLocation("warehouse", CodeLocationAssembly("WarehouseFactory"));
        options.AddCodeLocation<DelegateAssetsLocation>("delegates");
    }
}

/// <summary>The factory example end to end: one asset per table of its manifest, materialized, values passed through the default IO manager.</summary>
public sealed class WarehouseFactoryTests(WarehouseClusterFixture fixture) : IClassFixture<WarehouseClusterFixture>
{
    private static readonly string[] Keys =
    [
        "core/marts/order_summary",
        "core/models/customer_orders",
        "core/models/customers",
        "core/models/order_items",
        "core/models/orders",
    ];

    [Fact]
    public async Task The_factory_makes_one_asset_per_table_with_its_prefix_group_and_deps()
    {
        var assets = await fixture.Client.ListAssetsAsync();

        Assert.Equal(Keys, assets.Where(a => a.CodeLocation == "warehouse").Select(a => a.Key).Order(StringComparer.Ordinal));
        var customerOrders = await fixture.Client.GetAssetAsync("core/models/customer_orders");
        Assert.Equal("warehouse", customerOrders.Spec.Group);
        Assert.Equal(["core/models/customers", "core/models/orders"], customerOrders.Spec.Inputs);
        Assert.Equal(["data-team", "ana@example.com"], customerOrders.Spec.Owners);
        Assert.Equal(["dataframe"], customerOrders.Spec.Kinds);
        Assert.Equal("model", customerOrders.Spec.Tags["layer"]);
        var items = await fixture.Client.GetAssetAsync("core/models/order_items");
        Assert.Equal(["core/models/orders"], items.Spec.Dependencies);
        Assert.Empty(items.Spec.Inputs);
        var summary = await fixture.Client.GetAssetAsync("core/marts/order_summary");
        Assert.Equal("marts", summary.Spec.Group);
        Assert.Equal(["core/models/customer_orders", "core/models/order_items"], summary.Spec.Inputs);
    }

    [Fact]
    public async Task Materializing_everything_builds_each_table_from_its_inputs_values()
    {
        var run = await fixture.MaterializeAsync("*");

        Assert.True(run.Run.Status == RunStatus.Success, string.Join("\n", run.Events.Select(e => $"{e.Type} {e.AssetKey}: {e.Message}")));
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var latest = (await fixture.Client.ListMaterializationsAsync(key, limit: 1)).Single();
            Assert.Equal(run.Run.RunId, latest.RunId);
            Assert.Equal(MetadataKind.Table, latest.Metadata["preview"].Kind);
            Assert.Equal("id, source, value", latest.Metadata["columns"].Text);
            Assert.NotNull(latest.ValueLocation);
            rows[key] = latest.Metadata["row_count"].IntValue;
        }

        Assert.Equal(8, rows["core/models/customers"]);
        Assert.Equal(20, rows["core/models/orders"]);
        Assert.Equal(45, rows["core/models/order_items"]);
        Assert.Equal(8 + 20, rows["core/models/customer_orders"]);
        Assert.Equal(8 + 20 + 45, rows["core/marts/order_summary"]);

        // The plain delegates of the other location ran in the same run, the total from its input's stored value.
        var total = (await fixture.Client.ListMaterializationsAsync("demo/total", limit: 1)).Single();
        Assert.Equal(run.Run.RunId, total.RunId);
        Assert.Equal(10, total.Metadata["total"].IntValue);
        Assert.NotNull(total.ValueLocation);
    }

    [Theory]
    [InlineData("key:\"core/models/*\"", "core/models/customer_orders core/models/customers core/models/order_items core/models/orders")]
    [InlineData("group:marts", "core/marts/order_summary")]
    [InlineData("+core/marts/order_summary", "core/marts/order_summary core/models/customer_orders core/models/order_items")]
    [InlineData("core/models/orders+", "core/models/customer_orders core/models/order_items core/models/orders")]
    public async Task Selections_resolve_over_multi_part_keys(string selection, string expected)
    {
        var lineage = await fixture.Client.GetLineageAsync(selection);

        Assert.Equal(expected.Split(' '), lineage.Nodes.Select(n => n.Key).Order(StringComparer.Ordinal));
    }
}
