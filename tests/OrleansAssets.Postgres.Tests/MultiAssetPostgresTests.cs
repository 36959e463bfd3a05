using OrleansAssets.Runs;

namespace OrleansAssets.Postgres.Tests;

/// <summary>A multi-asset of two outputs, each with its own metadata and value.</summary>
public sealed class PairLocation : ICodeLocation
{
    public static int Runs;

    public void Configure(ICodeLocationBuilder builder) => builder.AddMultiAsset(
        new MultiAssetSpecification("pair") { Group = "pairs", Outputs = [new AssetSpecification("pair_left"), new AssetSpecification("pair_right")] },
        _ =>
        {
            Interlocked.Increment(ref Runs);
            return ValueTask.FromResult(new MultiAssetResult
            {
                ["pair_left"] = new Output<string>("left") { Metadata = { ["side"] = "left" } },
                ["pair_right"] = new Output<string>("right") { Metadata = { ["side"] = "right" } },
            });
        });
}

public sealed class MultiAssetPostgresClusterFixture : PostgresClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> MoreSettings() => [new("OaTest:Multi", "true")];
}

public sealed class MultiAssetPostgresTests(MultiAssetPostgresClusterFixture fixture) : IClassFixture<MultiAssetPostgresClusterFixture>
{
    [Fact]
    public async Task Each_output_is_one_materialization_row_and_one_step_and_its_state_survives_a_restart()
    {
        var before = PairLocation.Runs;
        var run = await fixture.MaterializeAsync("group:pairs");

        Assert.Equal(RunStatus.Success, run.Run.Status);
        Assert.Equal(before + 1, PairLocation.Runs);
        Assert.Equal(2, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id = '{run.Run.RunId}'"));
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id = '{run.Run.RunId}' and asset_key = 'pair_right'"));
        Assert.Equal(2, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_events where run_id = '{run.Run.RunId}' and type = 'materialization'"));

        await fixture.Cluster.DisposeAsync();
        await using var restarted = await fixture.StartClusterAsync(1);
        var client = new Client.OrleansAssetsClient(restarted.Client);
        var right = await client.GetAssetAsync("pair_right");
        Assert.Equal((run.Run.RunId, "right"), (right.State.Latest!.RunId, right.State.Latest.Metadata["side"].Text));
        Assert.Equal("pair", right.Spec.MultiAsset);
    }
}
