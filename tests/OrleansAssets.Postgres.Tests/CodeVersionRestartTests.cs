using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// Two assets added in code, a source and a report on it; the source's code version is what the silo's code says
/// when the silo loads it, so a test can restart the cluster "with changed code".
/// </summary>
public sealed class VersionedLocation : ICodeLocation
{
    public static volatile string SourceCodeVersion = "v1";

    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAsset(new AssetSpecification("versioned_source") { Group = "versioned", CodeVersion = SourceCodeVersion }, _ => ValueTask.FromResult(new MaterializeResult()))
        .AddAsset(new AssetSpecification("versioned_report") { Group = "versioned", Deps = ["versioned_source"], CodeVersion = "1" }, _ => ValueTask.FromResult(new MaterializeResult()));
}

/// <summary>The Postgres cluster with <see cref="VersionedLocation"/> loaded too, on a database of its own.</summary>
public sealed class VersionedPostgresClusterFixture : PostgresClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> MoreSettings() => [new("OaTest:Versioned", "true")];
}

public sealed class CodeVersionRestartTests(VersionedPostgresClusterFixture fixture) : IClassFixture<VersionedPostgresClusterFixture>
{
    [Fact]
    public async Task After_a_restart_with_changed_code_the_asset_and_its_downstream_are_stale_for_it_until_materialized()
    {
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_source*")).Run.Status);
        Assert.Equal("v1", (await fixture.Client.GetAssetAsync("versioned_source")).State.Latest!.CodeVersion);

        // Every silo stops; the cluster starts again with the source's code changed. Nothing is materialized.
        await fixture.Cluster.StopAllSilosAsync();
        await fixture.Cluster.DisposeAsync();
        VersionedLocation.SourceCodeVersion = "v2";
        var restarted = await fixture.StartClusterAsync(1);
        try
        {
            var client = new Client.OrleansAssetsClient(restarted.Client);
            var source = await client.GetAssetAsync("versioned_source");
            Assert.Equal((AssetStatus.Stale, "v2", "v1"), (source.State.Status, source.Spec.CodeVersion, source.State.Latest!.CodeVersion));
            Assert.Equal(["code version changed (v1 → v2)"], source.State.StaleReasons.Select(r => r.Message));
            var report = await client.GetAssetAsync("versioned_report");
            Assert.Equal(["upstream code version changed: versioned_source"], report.State.StaleReasons.Select(r => r.Message));

            // The listing reads the tables, not the grains, and says the same.
            var listed = (await client.ListAssetsAsync()).ToDictionary(a => a.Key);
            Assert.Equal(source.State.StaleReasons, listed["versioned_source"].StaleReasons);
            Assert.Equal(report.State.StaleReasons, listed["versioned_report"].StaleReasons);
            Assert.Equal(AssetStatus.Stale, listed["versioned_report"].Status);

            Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_source", client)).Run.Status);
            Assert.Empty((await client.GetAssetAsync("versioned_source")).State.StaleReasons);
            Assert.Equal(
                ["upstream code version changed: versioned_source", "upstream materialized since: versioned_source"],
                (await client.GetAssetAsync("versioned_report")).State.StaleReasons.Select(r => r.Message));

            Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("versioned_report", client)).Run.Status);
            var caughtUp = (await client.ListAssetsAsync()).Where(a => a.Key.StartsWith("versioned_", StringComparison.Ordinal)).ToList();
            Assert.All(caughtUp, a => Assert.Equal((AssetStatus.Materialized, 0), (a.Status, a.StaleReasons.Count)));
            Assert.Equal("v2", (await client.GetAssetAsync("versioned_report")).State.Latest!.UpstreamCodeVersions["versioned_source"]);
        }
        finally
        {
            VersionedLocation.SourceCodeVersion = "v1";
            await restarted.DisposeAsync();
        }
    }
}
