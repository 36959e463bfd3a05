using System.Diagnostics;
using OrleansAssets.Assets;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A cluster whose queue runs two runs at once, one per lane, and whose cancel grace period is short.</summary>
public sealed class QueueClusterFixture : ClusterFixture
{
    protected override void ConfigureOptions(OrleansAssetsOptions options)
    {
        options.RunQueue.MaxConcurrentRuns = 2;
        options.RunQueue.TagLimits.Add(new TagLimitOptions { Key = "lane", Value = "one", Limit = 1 });
        options.CancelGracePeriod = TimeSpan.FromSeconds(1);
    }
}

/// <summary>Jobs with ops and run config; the run queue's limits and order; canceling queued and running runs.</summary>
public sealed class JobsQueueCancelTests(QueueClusterFixture fixture, ITestOutputHelper output) : IClassFixture<QueueClusterFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("oa-jobs-").FullName;

    public void Dispose()
    {
        GatedAssets.Open();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_job_runs_its_assets_and_its_op_whose_line_is_in_the_run_and_the_op_is_not_an_asset()
    {
        var run = await SubmitAsync(new RunRequest { Job = "sales_job" });
        var finished = await fixture.WaitAsync(run.RunId);

        Assert.Equal(RunStatus.Success, finished.Run.Status);
        Assert.Equal("sales_job", finished.Run.Job);
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], finished.Run.AssetKeys);
        var op = Assert.Single(finished.Steps, s => s.AssetKey == "log_sales_summary");
        Assert.Equal(StepKind.Op, op.Kind);
        Assert.Equal(StepStatus.Success, op.Status);
        Assert.Contains(finished.Events, e => e.Type == RunEventType.Log && e.AssetKey == "log_sales_summary" && e.Message == "3 product(s); top B with 26,000");
        Assert.Equal(3, finished.Events.Count(e => e.Type == RunEventType.Materialization));
        Assert.Equal("pipeline", Assert.Single(finished.Run.Tags).Key);
        Assert.DoesNotContain(await fixture.Client.ListAssetsAsync(), a => a.Key == "log_sales_summary");
        Assert.DoesNotContain((await fixture.Client.GetLineageAsync()).Nodes, n => n.Key == "log_sales_summary");
    }

    [Fact]
    public async Task Run_config_points_raw_sales_data_at_another_file_whose_figures_follow()
    {
        var csv = Path.Combine(_work, "no-a.csv");
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "data", "sales.csv"));
        await File.WriteAllLinesAsync(csv, rows.Where(r => !r.Contains(",A,", StringComparison.Ordinal)));

        var config = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["raw_sales_data"] = new Dictionary<string, string> { ["path"] = csv } });
        var run = await SubmitAsync(new RunRequest { Job = "sales_job", Config = config });
        var finished = await fixture.WaitAsync(run.RunId);

        Assert.Equal(RunStatus.Success, finished.Run.Status);
        var summary = finished.Events.Single(e => e.Type == RunEventType.Materialization && e.AssetKey == "sales_summary");
        Assert.Equal(2, summary.Metadata!["product_count"].IntValue);
        Assert.Equal("B", summary.Metadata["top_product"].Text);
    }

    [Theory]
    [InlineData("""{"no_such_step": {}}""", "names step 'no_such_step', which this run does not run")]
    [InlineData("""{"raw_sales_data": {"file": "x.csv"}}""", "has field 'file', which it does not take (it takes: path)")]
    [InlineData("""{"raw_sales_data": {"path": 42}}""", "Field 'path' of the run config of step 'raw_sales_data' must be a string, not a number")]
    [InlineData("""{"cleaned_sales_data": {"path": "x"}}""", "Step 'cleaned_sales_data' takes no run config")]
    [InlineData("""[1]""", "must be an object by step key, not an array")]
    [InlineData("""{"raw_sales_data": """, "The run config is not JSON")]
    public async Task A_run_config_that_does_not_fit_is_refused_naming_the_step_and_the_field_and_nothing_runs(string config, string says)
    {
        var before = (await fixture.Client.ListRunsAsync(new RunQuery { Limit = 1000 })).Count;

        var refused = await Assert.ThrowsAsync<RunConfigException>(() => SubmitAsync(new RunRequest { Job = "sales_job", Config = config }));

        Assert.Contains(says, refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await fixture.Client.ListRunsAsync(new RunQuery { Limit = 1000 })).Count);
    }

    [Fact]
    public async Task An_unknown_job_is_refused_by_name()
    {
        var refused = await Assert.ThrowsAsync<NotFoundException>(() => SubmitAsync(new RunRequest { Job = "no_such_job" }));
        Assert.Contains("Unknown job 'no_such_job'; jobs: sales_alert, sales_job, sales_report", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_keeps_its_limits_and_order_and_a_canceled_queued_run_never_starts()
    {
        GatedAssets.Close();
        var lane = new Dictionary<string, string> { ["lane"] = "one" };
        var first = await SubmitAsync(new RunRequest { Selection = "gated", Tags = lane });
        await WaitForStatusAsync(first.RunId, RunStatus.Started);
        var sameLane = await SubmitAsync(new RunRequest { Selection = "gated", Tags = lane });
        var other = await SubmitAsync(new RunRequest { Selection = "gated" });
        await WaitForStatusAsync(other.RunId, RunStatus.Started);
        var waiting = await SubmitAsync(new RunRequest { Selection = "gated", Tags = new() { [RunTags.Priority] = "-1" } });
        var urgent = await SubmitAsync(new RunRequest { Selection = "gated", Tags = new() { [RunTags.Priority] = "5" } });

        Assert.Equal(RunStatus.Queued, (await fixture.Client.GetRunAsync(sameLane.RunId)).Run.Status);
        Assert.Equal(1, (await fixture.Client.GetRunAsync(urgent.RunId)).QueuePosition);
        Assert.Equal(2, (await fixture.Client.GetRunAsync(sameLane.RunId)).QueuePosition);
        Assert.Equal(3, (await fixture.Client.GetRunAsync(waiting.RunId)).QueuePosition);

        var clock = Stopwatch.StartNew();
        var canceled = await fixture.Cluster.Client.GetGrain<IRunGrain>(waiting.RunId).Cancel(new CancelRequest { By = "the test" });
        Assert.Equal(RunStatus.Canceled, canceled.Status);
        output.WriteLine($"cancel of a queued run: {clock.Elapsed.TotalMilliseconds:F1} ms");

        GatedAssets.Open();
        var runs = await Task.WhenAll(new[] { first, sameLane, other, urgent }.Select(r => fixture.WaitAsync(r.RunId)));
        Assert.All(runs, r => Assert.Equal(RunStatus.Success, r.Run.Status));
        var waited = await fixture.Client.GetRunAsync(waiting.RunId);
        Assert.Equal(RunStatus.Canceled, waited.Run.Status);
        Assert.DoesNotContain(waited.Events, e => e.Type is RunEventType.RunStarted or RunEventType.StepStarted);
        Assert.Contains("canceled by the test while queued", waited.Run.Error, StringComparison.Ordinal);

        // One lane: the second run of the lane started only once the first had ended.
        var firstEnded = runs[0].Events.Single(e => e.Type == RunEventType.RunSuccess).Timestamp;
        var sameLaneStarted = runs[1].Events.Single(e => e.Type == RunEventType.RunStarted).Timestamp;
        Assert.True(sameLaneStarted >= firstEnded, $"the lane's second run started at {sameLaneStarted:O}, before the first ended at {firstEnded:O}");
    }

    [Fact]
    public async Task Canceling_a_running_run_fires_the_step_s_token_and_the_run_ends_canceled_without_a_materialization()
    {
        GatedAssets.Close();
        var run = await SubmitAsync(new RunRequest { Selection = "gated+" });
        await WaitForStepAsync(run.RunId, "gated", StepStatus.Running);

        var clock = Stopwatch.StartNew();
        await fixture.Cluster.Client.GetGrain<IRunGrain>(run.RunId).Cancel(new CancelRequest { By = "the test", Reason = "not needed" });
        var finished = await fixture.WaitAsync(run.RunId);
        output.WriteLine($"cancel of a running run: canceled after {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(RunStatus.Canceled, finished.Run.Status);
        Assert.Equal(StepStatus.Canceled, finished.Steps.Single(s => s.AssetKey == "gated").Status);
        Assert.DoesNotContain(finished.Events, e => e.Type == RunEventType.Materialization);
        Assert.Contains(finished.Events, e => e.Type == RunEventType.RunCanceling && e.Message!.Contains("by the test (not needed)", StringComparison.Ordinal));
        Assert.Contains(finished.Events, e => e.Type == RunEventType.StepCanceled && e.AssetKey == "gated" && e.Message!.Contains("stopped", StringComparison.Ordinal));
        Assert.Equal(RunEventType.RunCanceled, finished.Events[^1].Type);
    }

    [Fact]
    public async Task A_step_that_ignores_its_token_is_abandoned_after_the_grace_period_and_recorded_canceled()
    {
        GatedAssets.Close();
        var run = await SubmitAsync(new RunRequest { Selection = "stubborn" });
        await WaitForStepAsync(run.RunId, "stubborn", StepStatus.Running);

        var clock = Stopwatch.StartNew();
        await fixture.Cluster.Client.GetGrain<IRunGrain>(run.RunId).Cancel(new CancelRequest { By = "the test" });
        var finished = await fixture.WaitAsync(run.RunId);
        output.WriteLine($"cancel of a step that ignores its token: canceled after {clock.Elapsed.TotalMilliseconds:F0} ms (grace 1 s)");
        GatedAssets.Open();

        Assert.Equal(RunStatus.Canceled, finished.Run.Status);
        Assert.Contains(finished.Events, e => e.Type == RunEventType.StepCanceled && e.Message!.Contains("was abandoned", StringComparison.Ordinal));
        Assert.DoesNotContain(finished.Events, e => e.Type == RunEventType.Materialization);
    }

    private Task<RunRecord> SubmitAsync(RunRequest request) => fixture.Cluster.Client.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(request);

    private async Task WaitForStatusAsync(Guid runId, RunStatus status)
    {
        for (var i = 0; i < 500 && (await fixture.Client.GetRunAsync(runId)).Run.Status != status; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(status, (await fixture.Client.GetRunAsync(runId)).Run.Status);
    }

    private async Task WaitForStepAsync(Guid runId, string key, StepStatus status)
    {
        for (var i = 0; i < 500; i++)
        {
            if ((await fixture.Client.GetRunAsync(runId)).Steps.SingleOrDefault(s => s.AssetKey == key)?.Status == status)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"step {key} of run {runId} never became {status}");
    }
}
