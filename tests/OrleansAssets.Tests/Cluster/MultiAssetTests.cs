using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.Cli;
using OrleansAssets.Tests.Gateway;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>The multi-asset location behind a gateway: the SDK, the API and <c>oa --url</c> on one cluster.</summary>
public sealed class MultiAssetClusterFixture : GatewayFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) =>
        options.AddCodeLocation<MultiAssetLocation>("multi");
}

public sealed class MultiAssetTests(MultiAssetClusterFixture fixture) : IClassFixture<MultiAssetClusterFixture>
{
    private static int RunsOf(string multiAsset)
    {
        lock (MultiAssetLocation.Runs)
        {
            return MultiAssetLocation.Runs.GetValueOrDefault(multiAsset);
        }
    }

    [Fact]
    public async Task A_multi_asset_runs_its_code_once_and_records_one_materialization_per_output_with_its_own_metadata_and_value()
    {
        var before = RunsOf("split_orders");
        var details = await fixture.MaterializeAsync("orders*");

        Assert.Equal(RunStatus.Success, details.Run.Status);
        Assert.Equal(before + 1, RunsOf("split_orders"));
        Assert.Equal(["orders", "orders_eu", "orders_total", "orders_us"], details.Steps.Where(s => s.Status == StepStatus.Success).Select(s => s.AssetKey).Order(StringComparer.Ordinal));

        // One materialization event per output, each with its output's metadata.
        var materialized = details.Events.Where(e => e.Type == RunEventType.Materialization).ToDictionary(e => e.AssetKey!);
        Assert.Equal(2, materialized["orders_eu"].Metadata!["rows"].IntValue);
        Assert.Equal(3, materialized["orders_us"].Metadata!["rows"].IntValue);
        Assert.Equal("us-v1", materialized["orders_us"].DataVersion);

        var eu = await fixture.Client.GetAssetAsync("orders_eu");
        var us = await fixture.Client.GetAssetAsync("orders_us");
        Assert.Equal(("split_orders", details.Run.RunId), (eu.Spec.MultiAsset, eu.State.Latest!.RunId));
        Assert.Equal(("us-v1", "2"), (us.State.Latest!.DataVersion, us.State.Latest.CodeVersion));
        Assert.NotEqual(eu.State.Latest.DataVersion, us.State.Latest.DataVersion);
        Assert.Equal([details.Run.RunId], eu.State.Latest.ConsumedUpstream.Where(c => c.Key == "orders").Select(c => c.Value));
        Assert.Single(await fixture.Client.ListMaterializationsAsync("orders_us"), m => m.RunId == details.Run.RunId);

        // Each output's value went through the IO manager: the downstream asset read both.
        var total = await fixture.Client.GetAssetAsync("orders_total");
        Assert.Equal(36, total.State.Latest!.Metadata["total"].IntValue);
    }

    [Fact]
    public async Task Selecting_part_of_a_multi_asset_that_cannot_be_subset_is_refused_naming_the_outputs_to_add()
    {
        var error = await Assert.ThrowsAsync<AssetSelectionException>(() => fixture.Client.MaterializeAsync("orders_eu"));
        Assert.Contains("'orders_eu' is an output of multi-asset 'split_orders', which cannot be subset: select 'orders_us' with it", error.Message);
    }

    [Fact]
    public async Task A_subsettable_multi_asset_runs_only_the_selected_outputs_and_is_told_which()
    {
        var before = RunsOf("dimensions");
        var details = await fixture.MaterializeAsync("dim_a or dim_c");

        Assert.Equal(RunStatus.Success, details.Run.Status);
        Assert.Equal(before + 1, RunsOf("dimensions"));
        Assert.Equal(["dim_a", "dim_c"], details.Events.Where(e => e.Type == RunEventType.Materialization).Select(e => e.AssetKey!).Order(StringComparer.Ordinal));
        Assert.Equal("dim_a,dim_c", (await fixture.Client.GetAssetAsync("dim_c")).State.Latest!.Metadata["asked_for"].Text);
        Assert.Null((await fixture.Client.GetAssetAsync("dim_b")).State.Latest);
    }

    [Fact]
    public async Task When_a_multi_asset_s_code_throws_its_step_fails_and_its_other_outputs_are_skipped_saying_why()
    {
        var details = await fixture.MaterializeAsync("group:broken and key:broken_*");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        var steps = details.Steps.ToDictionary(s => s.AssetKey);
        Assert.Equal(StepStatus.Failure, steps["broken_left"].Status);
        Assert.Contains("the source is down", steps["broken_left"].Error!.Message);
        Assert.Equal(StepStatus.Skipped, steps["broken_right"].Status);
        Assert.Contains(details.Events, e => e.AssetKey == "broken_right" && e.Type == RunEventType.StepSkipped && e.Message == "multi-asset 'broken_pair' failed (its step ran as 'broken_left')");
    }

    [Fact]
    public async Task A_multi_asset_that_returns_too_little_or_a_stranger_fails_naming_both()
    {
        var details = await fixture.MaterializeAsync("key:forgetful_*");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        var error = details.Steps.Single(s => s.AssetKey == "forgetful_kept").Error!;
        Assert.True(error.FromUserCode);
        Assert.Contains("returned no result for 'forgetful_lost'", error.Message);
        Assert.Contains("'not_an_output', which are not its outputs", error.Message);
        Assert.Null((await fixture.Client.GetAssetAsync("forgetful_kept")).State.Latest);
    }

    [Fact]
    public async Task The_api_shows_each_output_s_multi_asset_and_refuses_part_of_one_with_a_400_naming_the_rest()
    {
        using var asset = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/v1/assets/orders_us"));
        Assert.Equal("split_orders", asset.RootElement.GetProperty("multiAsset").GetString());
        Assert.False(asset.RootElement.TryGetProperty("subsettable", out _));
        using var dim = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/v1/assets/dim_b"));
        Assert.True(dim.RootElement.GetProperty("subsettable").GetBoolean());

        using var lineage = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/v1/lineage"));
        var node = lineage.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("key").GetString() == "orders_eu");
        Assert.Equal("split_orders", node.GetProperty("multiAsset").GetString());

        using var response = await fixture.Http.PostAsJsonAsync("/api/v1/runs", new { selection = "orders_us" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("select 'orders_eu' with it", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Oa_says_what_multi_asset_an_asset_belongs_to_and_exits_2_for_part_of_one()
    {
        var shown = await Oa.RunAsync("--url", fixture.BaseAddress.ToString(), "asset", "orders_eu");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("output of multi-asset split_orders: one step computes it with its siblings, which a run must select with it", shown.Output);
        Assert.Contains("kinds: json", shown.Output);

        var refused = await Oa.RunAsync("--url", fixture.BaseAddress.ToString(), "materialize", "--select", "orders_eu", "--wait");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("'orders_eu' is an output of multi-asset 'split_orders', which cannot be subset: select 'orders_us' with it", refused.Error);
    }
}
