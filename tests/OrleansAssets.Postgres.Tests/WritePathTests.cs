using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>A fixture of its own: its database sees only this test's cluster, so its commit counter measures our writes.</summary>
public sealed class WritePathClusterFixture : PostgresClusterFixture;

/// <summary>
/// What the write path costs, counted by Postgres itself (<c>pg_stat_database.xact_commit</c>) rather than by our
/// code: the figure the storage seams must not grow. Printed, not asserted: the cluster's own background commits
/// (membership, reminders) are subtracted as measured while idle, which is close, not exact.
/// </summary>
public sealed class WritePathTests(WritePathClusterFixture fixture, ITestOutputHelper output) : IClassFixture<WritePathClusterFixture>
{
    private async Task<long> CommitsAsync()
    {
        // Other backends' counters reach pg_stat_database within a second of their last commit.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        return await fixture.Database.ScalarAsync<long>($"select xact_commit from pg_stat_database where datname = '{fixture.Database.Name}'");
    }

    [Fact]
    public async Task Sequential_runs_of_the_example_cost_about_one_commit_per_step_and_two_per_run()
    {
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("*")).Run.Status);

        var idleStart = await CommitsAsync();
        var idle = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idleCommits = await CommitsAsync() - idleStart - 1;
        var idleSeconds = idle.Elapsed.TotalSeconds;

        const int Runs = 10;
        var (writeCommitsBefore, writesBefore) = WriteCounters();
        var before = await CommitsAsync();
        var busy = Stopwatch.StartNew();
        var steps = 0;
        for (var i = 0; i < Runs; i++)
        {
            var run = await fixture.MaterializeAsync("*");
            Assert.Equal(RunStatus.Success, run.Run.Status);
            steps += run.Steps.Count;
        }

        var commits = await CommitsAsync() - before - 1;
        var (writeCommitsAfter, writesAfter) = WriteCounters();
        var writeCommits = writeCommitsAfter - writeCommitsBefore;
        output.WriteLine($"oa_append: {writeCommits} commits carrying {writesAfter - writesBefore} writes for {steps} steps in {Runs} runs: "
            + $"{(double)writeCommits / steps:F2} per step in all, {(double)(writeCommits - (3 * Runs)) / steps:F2} per step besides the run's own 3 (queued, started, ended)");
        var background = idleCommits / idleSeconds * busy.Elapsed.TotalSeconds;
        var ours = commits - background;
        output.WriteLine($"pg_stat_database (every transaction, reads included): {Runs} sequential runs, {steps} steps: {commits} commits, of which about {background:F0} background ({idleCommits} in {idleSeconds:F1} s idle); "
            + $"ours {ours:F0}, {ours / steps:F2} per step in all");
        Assert.True(writeCommits > 0);
    }

    [Fact]
    public async Task A_materialization_stores_no_history_in_the_asset_state_and_the_asset_page_still_lists_it()
    {
        var runs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var run = await fixture.MaterializeAsync("raw_sales_data");
            Assert.Equal(RunStatus.Success, run.Run.Status);
            runs.Add(run.Run.RunId);
        }

        // The history is the asset's materialization records: rewriting it into the state with every step was most of the write.
        var stored = await fixture.Database.ScalarAsync<string>("select state::text from oa_asset_activity where asset_key = 'raw_sales_data'");
        Assert.NotNull(stored);
        using var state = System.Text.Json.JsonDocument.Parse(stored);
        Assert.Equal(0, state.RootElement.GetProperty("history").GetArrayLength());
        Assert.Equal(runs[^1], state.RootElement.GetProperty("latest").GetProperty("runId").GetGuid());

        var asset = await fixture.Client.GetAssetAsync("raw_sales_data");
        Assert.Equal(runs[^1], asset.State.Latest?.RunId);
        Assert.Equal(runs[^1], asset.State.History[0].RunId);
        Assert.Equal(runs.AsEnumerable().Reverse().ToList(), asset.State.History.Take(3).Select(h => h.RunId).ToList());

        // A materialization after the history was read joins it, newest first.
        var next = await fixture.MaterializeAsync("raw_sales_data");
        Assert.Equal(next.Run.RunId, (await fixture.Client.GetAssetAsync("raw_sales_data")).State.History[0].RunId);
    }

    /// <summary>The run stores' own counts of the commits they made and the writes those carried, over every silo.</summary>
    private (long Commits, long Writes) WriteCounters()
    {
        var counters = fixture.Cluster.Silos.OfType<InProcessSiloHandle>()
            .Select(s => s.SiloHost.Services.GetRequiredService<PostgresRunStore>().Counters).ToList();
        return (counters.Sum(c => c.Commits), counters.Sum(c => c.Writes));
    }
}
