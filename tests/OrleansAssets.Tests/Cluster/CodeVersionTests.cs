using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A cluster of its own: the test publishes its code location again with changed code versions.</summary>
public sealed class CodeVersionClusterFixture : ClusterFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) =>
        options.AddCodeLocation<VersionedLocation>("versioned");
}

public sealed class CodeVersionTests(CodeVersionClusterFixture fixture) : IClassFixture<CodeVersionClusterFixture>
{
    private IAssetCatalogGrain Catalog => fixture.Cluster.Client.GetGrain<IAssetCatalogGrain>(0);

    [Fact]
    public async Task A_changed_code_version_makes_the_asset_and_its_downstream_stale_until_each_is_materialized()
    {
        // Once seen, when the whole suite loaded the machine, the silo's first run found no assets yet: wait until its graph has them.
        for (var waited = 0; (await fixture.Client.ListAssetsAsync()).Count < 2 && waited < 100; waited++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_source*")).Run.Status);
        var source = await fixture.Client.GetAssetAsync("versioned_source");
        Assert.Equal(("v1", "v1"), (source.Spec.CodeVersion, source.State.Latest!.CodeVersion));
        Assert.Equal("v1", (await fixture.Client.GetAssetAsync("versioned_report")).State.Latest!.UpstreamCodeVersions["versioned_source"]);
        Assert.All(await fixture.Client.ListAssetsAsync(), a => Assert.Equal((AssetStatus.Materialized, 0), (a.Status, a.StaleReasons.Count)));

        // The code location loaded again with changed code: a new manifest, a new catalog version, nothing materialized.
        await PublishSourceCodeVersionAsync("v2");

        var changed = await fixture.Client.GetAssetAsync("versioned_source");
        Assert.Equal((AssetStatus.Stale, "v2"), (changed.State.Status, changed.Spec.CodeVersion));
        Assert.Equal(["code version changed (v1 → v2)"], changed.State.StaleReasons.Select(r => r.Message));
        var report = await fixture.Client.GetAssetAsync("versioned_report");
        Assert.Equal(AssetStatus.Stale, report.State.Status);
        Assert.Equal(["upstream code version changed: versioned_source"], report.State.StaleReasons.Select(r => r.Message));

        // The listing and the lineage say the same, from the storage and the catalog, without asking the grains.
        var listed = (await fixture.Client.ListAssetsAsync()).ToDictionary(a => a.Key);
        Assert.Equal(changed.State.StaleReasons, listed["versioned_source"].StaleReasons);
        Assert.Equal(report.State.StaleReasons, listed["versioned_report"].StaleReasons);
        var nodes = (await fixture.Client.GetLineageAsync()).Nodes.ToDictionary(n => n.Key);
        Assert.Equal((AssetStatus.Stale, "code version changed (v1 → v2)"), (nodes["versioned_source"].Status, Assert.Single(nodes["versioned_source"].StaleReasons).Message));
        Assert.Equal(AssetStatus.Stale, nodes["versioned_report"].Status);

        // Materializing the source clears its reason; the report keeps its own and learns of the new materialization.
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_source")).Run.Status);
        var rematerialized = await fixture.Client.GetAssetAsync("versioned_source");
        Assert.Equal((AssetStatus.Materialized, "v2"), (rematerialized.State.Status, rematerialized.State.Latest!.CodeVersion));
        Assert.Empty(rematerialized.State.StaleReasons);
        Assert.Equal(
            ["upstream code version changed: versioned_source", "upstream materialized since: versioned_source"],
            (await fixture.Client.GetAssetAsync("versioned_report")).State.StaleReasons.Select(r => r.Message));
        Assert.Equal(2, (await fixture.Client.ListAssetsAsync()).Single(a => a.Key == "versioned_report").StaleReasons.Count);

        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_report")).Run.Status);
        var caughtUp = await fixture.Client.GetAssetAsync("versioned_report");
        Assert.Equal(AssetStatus.Materialized, caughtUp.State.Status);
        Assert.Empty(caughtUp.State.StaleReasons);
        Assert.All(await fixture.Client.ListAssetsAsync(), a => Assert.Equal((AssetStatus.Materialized, 0), (a.Status, a.StaleReasons.Count)));
    }

    /// <summary>What a silo loading the location's changed code publishes: the same manifest but the source's code version.</summary>
    private async Task PublishSourceCodeVersionAsync(string codeVersion)
    {
        var graph = (await Catalog.GetGraph(0))!;
        var manifest = graph.CodeLocations.Single(l => l.Name == "versioned");
        var changed = manifest with
        {
            Assets = [.. manifest.Assets.Select(a => a.Key == "versioned_source" ? a with { CodeVersion = codeVersion } : a)],
        };
        var publisher = (await Catalog.GetPublishers()).First(p => p.Value.Contains("versioned")).Key;
        Assert.True(await Catalog.Publish(changed, publisher) > graph.Version);

        // Each silo's copy of the graph asks the catalog again within a second.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
    }
}
