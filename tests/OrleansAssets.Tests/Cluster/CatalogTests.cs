using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A cluster whose steps give up waiting for a missing code location after two seconds.</summary>
public sealed class CatalogClusterFixture : ClusterFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options)
    {
        options.AddCodeLocation<RunBehaviourLocation>("behaviour");
        options.CodeLocationWaitTimeout = TimeSpan.FromSeconds(2);
    }
}

public sealed class CatalogTests(CatalogClusterFixture fixture) : IClassFixture<CatalogClusterFixture>
{
    private IAssetCatalogGrain Catalog => fixture.Cluster.Client.GetGrain<IAssetCatalogGrain>(0);

    [Fact]
    public async Task A_code_location_redeployed_with_a_new_version_leaves_the_others_untouched()
    {
        var before = (await Catalog.GetGraph(0))!;
        var behaviour = before.CodeLocations.Single(l => l.Name == "behaviour");

        var v1 = await Catalog.Publish(Manifest("reports", "1.0", "report_a"), "127.0.0.1:1");
        var v2 = await Catalog.Publish(Manifest("reports", "2.0", "report_a", "report_b"), "127.0.0.1:1");
        var unchanged = await Catalog.Publish(Manifest("reports", "2.0", "report_a", "report_b"), "127.0.0.1:1");

        var after = (await Catalog.GetGraph(0))!;
        Assert.True(v2 > v1);
        Assert.Equal(v2, unchanged);
        Assert.Equal(["report_a", "report_b"], after.CodeLocations.Single(l => l.Name == "reports").Assets.Select(a => a.Key));
        Assert.Equal(behaviour.Version, after.CodeLocations.Single(l => l.Name == "behaviour").Version);
        Assert.Equal(behaviour.Assets.Select(a => a.Key), after.CodeLocations.Single(l => l.Name == "behaviour").Assets.Select(a => a.Key));
        Assert.Null(await Catalog.GetGraph(after.Version));
    }

    [Fact]
    public async Task A_key_another_code_location_owns_is_refused_by_name()
    {
        var error = await Assert.ThrowsAsync<AssetGraphException>(() => Catalog.Publish(Manifest("intruder", "1.0", "source"), "127.0.0.1:2"));

        Assert.Contains("duplicate asset key 'source'", error.Message);
        Assert.DoesNotContain((await Catalog.GetGraph(0))!.CodeLocations, l => l.Name == "intruder");
    }

    [Fact]
    public async Task A_step_whose_code_location_no_silo_loads_waits_then_fails_saying_so()
    {
        await Catalog.Publish(Manifest("ghost", "1.0", "ghost_asset"), "127.0.0.1:3");
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the silo's copy of the graph refreshes once a second

        var run = await fixture.MaterializeAsync("ghost_asset");

        Assert.Equal(RunStatus.Failure, run.Run.Status);
        var waiting = Assert.Single(run.Events, e => e.Type == RunEventType.StepWaiting);
        Assert.Contains("No live silo loads code location 'ghost'", waiting.Message);
        var failed = Assert.Single(run.Events, e => e.Type == RunEventType.StepFailed);
        Assert.Contains("Gave up after 00:00:02", failed.Error!.Message);
    }

    private static CodeLocationManifest Manifest(string name, string version, params string[] keys) => new()
    {
        Name = name,
        Assembly = name,
        Version = version,
        Assets = [.. keys.Select(k => new AssetSpec { Key = k, CodeLocation = name })],
    };
}
