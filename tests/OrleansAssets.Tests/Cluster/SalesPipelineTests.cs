using Microsoft.Data.Analysis;
using OrleansAssets.Assets;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class SalesPipelineTests(ClusterFixture fixture)
{
    [Fact]
    public async Task By_parameter_pipeline_gives_the_articles_figures()
    {
        var run = await fixture.MaterializeAsync("raw_sales_data*");

        Assert.Equal(RunStatus.Success, run.Run.Status);
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], run.Run.AssetKeys);
        var summary = (await fixture.Client.GetAssetAsync("sales_summary")).State.Latest!;
        Assert.Equal(3, summary.Metadata["product_count"].IntValue);
        Assert.Equal("B", summary.Metadata["top_product"].Text);
        Assert.Equal(26000, summary.Metadata["top_product_amount"].IntValue);
        Assert.Equal(MetadataKind.Markdown, summary.Metadata["summary_table"].Kind);
        Assert.Equal(MetadataKind.Path, summary.Metadata["output_path"].Kind);
        Assert.True(File.Exists(summary.Metadata["output_path"].Text));

        var cleaned = (await fixture.Client.GetAssetAsync("cleaned_sales_data")).State.Latest!;
        Assert.Equal(39500, cleaned.Metadata["total_amount"].IntValue);
        Assert.Equal("2026-01-01 ~ 2026-01-07", cleaned.Metadata["date_range"].Text);
        var raw = (await fixture.Client.GetAssetAsync("raw_sales_data")).State.Latest!;
        Assert.Equal(7, raw.Metadata["row_count"].IntValue);
        Assert.Equal("date, product, quantity, price", raw.Metadata["columns"].Text);
    }

    [Fact]
    public async Task A_run_records_each_step_with_its_log_lines_in_order()
    {
        var run = await fixture.MaterializeAsync("raw_sales_data*");

        var types = run.Events.Where(e => e.AssetKey == "raw_sales_data").Select(e => e.Type).ToList();
        Assert.Equal([RunEventType.StepStarted, RunEventType.Log, RunEventType.Materialization, RunEventType.StepSucceeded], types);
        var log = run.Events.Single(e => e.Type == RunEventType.Log && e.AssetKey == "raw_sales_data");
        Assert.Equal("Loaded 7 rows from sales.csv", log.Message);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, log.Level);
        Assert.Equal(RunEventType.RunQueued, run.Events[0].Type);
        Assert.Equal(RunEventType.RunSuccess, run.Events[^1].Type);
        Assert.Equal(run.Events.Select(e => e.Sequence).Order(), run.Events.Select(e => e.Sequence));
        Assert.All(run.Run.AssetKeys, key => Assert.Single(run.Events, e => e.Type == RunEventType.Materialization && e.AssetKey == key));
        Assert.All(run.Steps, s => Assert.Equal(StepStatus.Success, s.Status));
    }

    [Fact]
    public async Task The_io_manager_hands_each_step_the_value_its_run_produced()
    {
        var run = await fixture.MaterializeAsync("raw_sales_data*");

        var summary = await fixture.Client.GetAssetAsync("sales_summary");
        Assert.Equal(run.Run.RunId, summary.State.Latest!.ConsumedUpstream["cleaned_sales_data"]);
        Assert.EndsWith(".arrow", summary.State.Latest.ValueLocation);
        Assert.StartsWith(fixture.StorageRoot, summary.State.Latest.ValueLocation);
    }

    [Fact]
    public async Task Concurrent_runs_of_the_same_assets_all_succeed_with_one_materialization_each()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fixture.Client.MaterializeAsync("raw_sales_data*")));
        var results = await Task.WhenAll(runs.Select(r => fixture.WaitAsync(r.RunId)));

        Assert.All(results, r =>
        {
            Assert.Equal(RunStatus.Success, r.Run.Status);
            Assert.Equal(3, r.Events.Count(e => e.Type == RunEventType.Materialization));
        });
        var history = await fixture.Client.ListMaterializationsAsync("sales_summary", limit: 100);
        Assert.All(runs, r => Assert.Single(history, m => m.RunId == r.RunId));
        Assert.All(history, m => Assert.Equal(26000, m.Metadata["top_product_amount"].IntValue));
        var written = File.ReadAllLines(Path.Combine(fixture.OutputDirectory, "sales_summary.csv"));
        Assert.Equal(["product,quantity,amount", "B,52,26000", "C,55,11000", "A,25,2500"], written);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class RunBehaviourTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Failing_asset_skips_only_its_downstream()
    {
        var run = await fixture.MaterializeAsync("group:branching");

        Assert.Equal(RunStatus.Failure, run.Run.Status);
        var steps = run.Steps.ToDictionary(s => s.AssetKey, s => s.Status);
        Assert.Equal(StepStatus.Success, steps["source"]);
        Assert.Equal(StepStatus.Failure, steps["broken"]);
        Assert.Equal(StepStatus.Skipped, steps["after_broken"]);
        Assert.Equal(StepStatus.Success, steps["healthy"]);
        var failure = run.Events.Single(e => e.Type == RunEventType.StepFailed);
        Assert.Equal("broken", failure.AssetKey);
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.Error!.Type);
        Assert.Equal("broken cannot handle 41", failure.Error.Message);
        Assert.True(failure.Error.FromUserCode);
        Assert.Contains("broken", run.Run.Error);
        Assert.Equal(AssetStatus.Failed, (await fixture.Client.GetAssetAsync("broken")).State.Status);
        Assert.Equal(42, (await fixture.Client.GetAssetAsync("healthy")).State.Latest!.Metadata["answer"].IntValue);
    }

    [Fact]
    public async Task User_code_that_throws_is_recorded_and_loses_nothing_recorded_before()
    {
        SwitchableAssets.Fail = false;
        var good = await fixture.MaterializeAsync("switchable");
        try
        {
            SwitchableAssets.Fail = true;
            var bad = await fixture.MaterializeAsync("switchable");
            Assert.Equal(RunStatus.Failure, bad.Run.Status);
            Assert.Contains(bad.Events, e => e.Type == RunEventType.StepFailed && e.Error!.Message == "switched to fail");
        }
        finally
        {
            SwitchableAssets.Fail = false;
        }

        var state = (await fixture.Client.GetAssetAsync("switchable")).State;
        Assert.Equal(AssetStatus.Failed, state.Status);
        Assert.Equal(good.Run.RunId, state.Latest!.RunId);
        Assert.Equal("switched to fail", state.LastFailure!.Error.Message);
        Assert.Single(await fixture.Client.ListMaterializationsAsync("switchable"), m => m.RunId == good.Run.RunId);
    }

    [Fact]
    public async Task An_unknown_key_is_refused_by_name_and_records_nothing()
    {
        var before = await fixture.Client.ListRunsAsync(new RunQuery { Limit = 1000 });

        var error = await Assert.ThrowsAsync<AssetSelectionException>(() => fixture.Client.MaterializeAsync("raw_sales_data,no_such_asset"));

        Assert.Contains("'no_such_asset'", error.Message);
        Assert.Equal(before.Count, (await fixture.Client.ListRunsAsync(new RunQuery { Limit = 1000 })).Count);
    }

    [Fact]
    public async Task A_step_whose_input_was_never_materialized_fails_with_what_to_select()
    {
        var run = await fixture.MaterializeAsync("after_broken");

        Assert.Equal(RunStatus.Failure, run.Run.Status);
        var failure = run.Events.Single(e => e.Type == RunEventType.StepFailed);
        Assert.Contains("'broken'", failure.Error!.Message);
        Assert.Contains("+after_broken", failure.Error.Message);
    }

    [Fact]
    public async Task An_asset_can_name_its_own_io_manager_and_its_downstream_loads_through_it()
    {
        var run = await fixture.MaterializeAsync("group:custom");

        Assert.Equal(RunStatus.Success, run.Run.Status);
        var shouted = (await fixture.Client.GetAssetAsync("shouted")).State.Latest!;
        Assert.Equal($"memory://shouted/{run.Run.RunId}", shouted.ValueLocation);
        Assert.Equal("v1", shouted.DataVersion);
        Assert.Equal("HELLO", (await fixture.Client.GetAssetAsync("heard")).State.Latest!.Metadata["heard"].Text);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_and_filtered_by_status()
    {
        var first = await fixture.MaterializeAsync("slow");
        var second = await fixture.MaterializeAsync("slow");

        var runs = await fixture.Client.ListRunsAsync(new RunQuery { Statuses = [RunStatus.Success], Limit = 1000 });
        Assert.True(runs.FindIndex(r => r.RunId == second.Run.RunId) < runs.FindIndex(r => r.RunId == first.Run.RunId));
        Assert.All(runs, r => Assert.Equal(RunStatus.Success, r.Status));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class StalenessTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Downstream_assets_become_stale_when_an_upstream_materializes_again()
    {
        await fixture.MaterializeAsync("raw_sales_data*");
        Assert.Equal(AssetStatus.Materialized, (await fixture.Client.GetAssetAsync("sales_summary")).State.Status);

        await fixture.MaterializeAsync("raw_sales_data");

        var cleaned = await fixture.Client.GetAssetAsync("cleaned_sales_data");
        Assert.Equal(AssetStatus.Stale, cleaned.State.Status);
        Assert.Equal(["raw_sales_data"], cleaned.State.StaleBecause);
        var listed = (await fixture.Client.ListAssetsAsync()).ToDictionary(a => a.Key);
        Assert.Equal(AssetStatus.Stale, listed["cleaned_sales_data"].Status);
        Assert.Equal(AssetStatus.Materialized, listed["raw_sales_data"].Status);

        await fixture.MaterializeAsync("cleaned_sales_data");
        Assert.Equal(AssetStatus.Materialized, (await fixture.Client.GetAssetAsync("cleaned_sales_data")).State.Status);
        Assert.Equal(AssetStatus.Stale, (await fixture.Client.GetAssetAsync("sales_summary")).State.Status);

        await fixture.MaterializeAsync("sales_summary");
        Assert.Equal(AssetStatus.Materialized, (await fixture.Client.GetAssetAsync("sales_summary")).State.Status);
    }
}

public sealed class DepsStylePipelineTests(DepsStyleClusterFixture fixture) : IClassFixture<DepsStyleClusterFixture>
{
    [Fact]
    public async Task Deps_style_pipeline_with_its_own_files_gives_the_same_figures()
    {
        var run = await fixture.MaterializeAsync("*");

        Assert.Equal(RunStatus.Success, run.Run.Status);
        var summary = (await fixture.Client.GetAssetAsync("sales_summary")).State.Latest!;
        Assert.Equal(3, summary.Metadata["product_count"].IntValue);
        Assert.Equal("B", summary.Metadata["top_product"].Text);
        Assert.Equal(26000, summary.Metadata["top_product_amount"].IntValue);
        Assert.Null(summary.ValueLocation);
        var spec = (await fixture.Client.GetAssetAsync("sales_summary")).Spec;
        Assert.Equal(["cleaned_sales_data"], spec.Dependencies);
        Assert.Empty(spec.Inputs);
        var frame = DataFrame.LoadCsv(Path.Combine(fixture.OutputDirectory, "sales_summary.csv"));
        Assert.Equal(3, frame.Rows.Count);
    }
}
