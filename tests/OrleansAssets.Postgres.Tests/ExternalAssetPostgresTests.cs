using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Postgres.Tests;

/// <summary>An external asset (a partner's file) and an asset made from it.</summary>
public sealed class PartnerLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddExternalAsset(new AssetSpecification("partner_feed") { Group = "partner" })
        .AddAsset(new AssetSpecification("partner_summary") { Group = "partner", Deps = ["partner_feed"] }, _ => ValueTask.FromResult(new MaterializeResult()));
}

/// <summary>The Postgres cluster with <see cref="PartnerLocation"/> loaded too, on a database of its own.</summary>
public sealed class ExternalPostgresClusterFixture : PostgresClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> MoreSettings() => [new("OaTest:External", "true")];
}

public sealed class ExternalAssetPostgresTests(ExternalPostgresClusterFixture fixture) : IClassFixture<ExternalPostgresClusterFixture>
{
    [Fact]
    public async Task A_report_is_one_materialization_row_with_no_run_and_the_listing_reads_the_downstream_stale()
    {
        var client = fixture.Client;
        var run = await fixture.MaterializeAsync("partner_feed+");
        Assert.Equal((RunStatus.Success, "partner_summary"), (run.Run.Status, Assert.Single(run.Run.AssetKeys)));

        var id = Guid.NewGuid();
        var first = await client.ReportMaterializationAsync("partner_feed", new Dictionary<string, MetadataValue> { ["rows"] = 120 }, "d1", id);
        var again = await client.ReportMaterializationAsync("partner_feed", new Dictionary<string, MetadataValue> { ["rows"] = 1 }, "d2", id);

        Assert.Equal((first.Timestamp, "d1"), (again.Timestamp, again.DataVersion));
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id = '{id}' and asset_key = 'partner_feed' and (record->>'reported')::boolean"));
        Assert.Equal(0, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_runs where run_id = '{id}'"));
        Assert.Equal(0, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_events where run_id = '{id}'"));

        // The listing reads the activity table's slim projection, not the grains: the report is the upstream's latest there too.
        var listed = (await client.ListAssetsAsync()).ToDictionary(a => a.Key);
        Assert.Equal((id, true), (listed["partner_feed"].LastRunId, listed["partner_feed"].IsExternal));
        Assert.Equal((AssetStatus.Stale, "upstream materialized since: partner_feed"), (listed["partner_summary"].Status, Assert.Single(listed["partner_summary"].StaleReasons).Message));
        Assert.Equal(AssetStatus.Stale, (await client.GetAssetAsync("partner_summary")).State.Status);
        Assert.True(Assert.Single(await client.ListMaterializationsAsync("partner_feed")).Reported);

        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("partner_summary")).Run.Status);
        var summary = await client.GetAssetAsync("partner_summary");
        Assert.Equal((AssetStatus.Materialized, id), (summary.State.Status, summary.State.Latest!.ConsumedUpstream["partner_feed"]));
    }
}
