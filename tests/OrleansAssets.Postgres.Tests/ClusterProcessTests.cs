using System.Diagnostics;
using System.Text.Json;
using OrleansAssets.Cluster;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>A scripts/cluster cluster for tests that leave it as they found it.</summary>
public sealed class ProcessClusterFixture : IAsyncLifetime
{
    public ProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ProcessCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class ClusterProcessTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task Silos_loading_two_code_locations_form_one_membership_that_oa_finds_through_its_context()
    {
        var silos = await (await fixture.Cluster.ClientAsync()).ListSilosAsync();
        var (exit, output, error) = await fixture.Cluster.OaAsync("silos", "--json");

        var active = silos.Where(s => s.Status == SiloState.Active).ToList();
        Assert.Equal(3, active.Count);
        Assert.Equal(["analytics", "sales", "sales"], active.SelectMany(s => s.CodeLocations).Order());
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active"));
    }

    [Fact]
    public async Task Steps_run_only_where_their_code_location_is_loaded_and_a_dependency_crosses_locations()
    {
        var client = await fixture.Cluster.ClientAsync();
        var silos = (await client.ListSilosAsync()).Where(s => s.Status == SiloState.Active).ToList();

        var run = await fixture.Cluster.WaitAsync((await client.MaterializeAsync("*")).RunId, TimeSpan.FromMinutes(2));

        Assert.Equal(RunStatus.Success, run.Run.Status);
        foreach (var step in run.Events.Where(e => e.Type == RunEventType.StepSucceeded))
        {
            var address = step.Message!.Split(' ')[1].Split('@')[0];
            var location = (await client.GetAssetAsync(step.AssetKey!)).Spec.CodeLocation;
            Assert.Contains(silos, s => s.Address == address && s.CodeLocations.Contains(location));
        }

        var share = (await client.GetAssetAsync("product_revenue_share")).State.Latest!;
        Assert.Equal(run.Run.RunId, share.ConsumedUpstream["sales_summary"]);
        Assert.Equal(0.6582, share.Metadata["top_share"].FloatValue);
    }

    [Fact]
    public async Task A_wrong_password_stops_a_silo_with_one_clear_line()
    {
        var root = Path.GetFullPath(Path.Combine(fixture.Cluster.ClusterDirectory, ".."));
        var silo = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "silo", "bin"), "OrleansAssets.Silo.dll", SearchOption.AllDirectories).First();
        var start = new ProcessStartInfo("dotnet", [silo]) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = root };
        start.Environment["ConnectionStrings__Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(fixture.Cluster.Database.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        start.Environment["OrleansAssets__Cluster__SiloPort"] = "19998";
        start.Environment["OrleansAssets__Cluster__GatewayPort"] = "19999";

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await error).Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Contains("password authentication failed", Assert.Single(lines));
    }
}

/// <summary>Failures on purpose, on a cluster of their own whose runs last long enough to be in flight.</summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(salesRepeats: 20_000);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Kill_9_of_a_sales_silo_mid_run_loses_nothing_duplicates_nothing_and_state_survives_a_restart()
    {
        var client = await _cluster.ClientAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.MaterializeAsync("*")));
        await WaitForStepRunningOnAsync("sales-1", runs.Select(r => r.RunId).ToHashSet());

        _cluster.Signal("sales-1", kill: true);
        var killedAt = DateTimeOffset.UtcNow;
        var results = await Task.WhenAll(runs.Select(r => _cluster.WaitAsync(r.RunId, TimeSpan.FromMinutes(4))));

        foreach (var run in results)
        {
            Assert.Equal(RunStatus.Success, run.Run.Status);
            Assert.All(run.Run.AssetKeys, key => Assert.Single(run.Events, e => e.Type == RunEventType.Materialization && e.AssetKey == key));
        }

        var ids = string.Join(",", runs.Select(r => $"'{r.RunId}'"));
        Assert.Equal(runs.Length * 4, await _cluster.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id in ({ids})"));
        Assert.Equal(runs.Length * 4, await _cluster.Database.ScalarAsync<int>($"select count(distinct (run_id, asset_key)) from oa_materializations where run_id in ({ids})"));
        Assert.Equal(runs.Length * 4, await _cluster.Database.ScalarAsync<int>($"select count(*) from oa_events where type = 'materialization' and run_id in ({ids})"));
        Report(results, killedAt);

        // Steps running on the killed silo were lost, recorded as such, and each succeeded afterwards on a live silo.
        var lost = results.SelectMany(r => r.Events.Where(e => e.Type == RunEventType.StepFailed && e.WillRetry).Select(e => (Run: r, Lost: e))).ToList();
        Assert.NotEmpty(lost);
        Assert.All(lost, l => Assert.Contains(l.Run.Events, e => e.Type == RunEventType.StepSucceeded && e.AssetKey == l.Lost.AssetKey
            && e.Sequence > l.Lost.Sequence && !e.Message!.Contains($":{_cluster.BasePort}@", StringComparison.Ordinal)));

        // oa still reaches the cluster through the gateways Postgres lists, and shows the dead silo as dead.
        var (exit, json, error) = await _cluster.OaAsync("silos", "--json");
        Assert.True(exit == 0, error);
        using var silos = JsonDocument.Parse(json);
        var port = (_cluster.BasePort).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(silos.RootElement.EnumerateArray(), s => s.GetProperty("address").GetString()!.EndsWith(":" + port, StringComparison.Ordinal) && s.GetProperty("status").GetString() == "dead");

        // Every silo stops; what was recorded is there when they come back.
        await _cluster.ScriptAsync("down");
        await _cluster.ScriptAsync("up", "--no-build");
        var (again, asset, _) = await _cluster.OaAsync("asset", "sales_summary", "--json");
        Assert.Equal(0, again);
        using var summary = JsonDocument.Parse(asset);
        var latest = summary.RootElement.GetProperty("latestMaterialization");
        Assert.Contains(runs, r => r.RunId == latest.GetProperty("runId").GetGuid());
        Assert.Equal("B", latest.GetProperty("metadata").GetProperty("top_product").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Sigterm_lets_running_steps_finish_before_the_silo_leaves()
    {
        var client = await _cluster.ClientAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.MaterializeAsync("*")));
        var running = await WaitForStepRunningOnAsync("sales-2", runs.Select(r => r.RunId).ToHashSet());

        _cluster.Signal("sales-2", kill: false);
        var termAt = DateTimeOffset.UtcNow;
        await _cluster.WaitForExitAsync("sales-2", TimeSpan.FromMinutes(2));
        var results = await Task.WhenAll(runs.Select(r => _cluster.WaitAsync(r.RunId, TimeSpan.FromMinutes(4))));

        Assert.All(results, r => Assert.Equal(RunStatus.Success, r.Run.Status));
        var log = _cluster.Log("sales-2");
        output.WriteLine(string.Join('\n', log.Split('\n').Where(l => l.Contains("running step", StringComparison.Ordinal) || l.Contains("leaving", StringComparison.Ordinal))));
        Assert.Contains("Shutting down: handing over", log);
        Assert.Contains("Every running step finished and handed over its outcome", log);
        Assert.Contains($"Finished step {running.Asset} of run {running.Run}", log);
        var silo = $"127.0.0.1:{_cluster.BasePort + 1}@";
        Assert.Contains(results.SelectMany(r => r.Events), e => e.Type == RunEventType.StepSucceeded && e.AssetKey == running.Asset && e.RunId == running.Run
            && e.Message!.Contains(silo, StringComparison.Ordinal) && e.Timestamp > termAt);
        foreach (var run in results)
        {
            Assert.All(run.Run.AssetKeys, key => Assert.Single(run.Events, e => e.Type == RunEventType.Materialization && e.AssetKey == key));
        }
    }

    /// <summary>
    /// Waits until the silo's log shows one of these runs' steps started there and not finished, the most recent
    /// such (the console log is written asynchronously, so an older one may have finished already).
    /// </summary>
    private async Task<(string Asset, Guid Run)> WaitForStepRunningOnAsync(string silo, IReadOnlySet<Guid> runs)
    {
        var started = new System.Text.RegularExpressions.Regex(@"Running step (\S+) of run ([0-9a-f-]{36})");
        for (var i = 0; i < 1200; i++)
        {
            var log = _cluster.Log(silo);
            foreach (var match in started.Matches(log).Reverse())
            {
                var (asset, run) = (match.Groups[1].Value, Guid.Parse(match.Groups[2].Value));
                if (runs.Contains(run) && !log.Contains($"Finished step {asset} of run {run}", StringComparison.Ordinal))
                {
                    return (asset, run);
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No step of these runs ran on {silo}.");
    }

    /// <summary>The failover figures: how long after the kill lost steps were noticed and re-run.</summary>
    private void Report(IEnumerable<RunDetails> runs, DateTimeOffset killedAt)
    {
        var lost = runs.SelectMany(r => r.Events.Where(e => e.Type == RunEventType.StepFailed && e.WillRetry).Select(e => (Run: r, Lost: e))).ToList();
        foreach (var (run, failed) in lost)
        {
            var rerun = run.Events.FirstOrDefault(e => e.Type == RunEventType.StepStarted && e.AssetKey == failed.AssetKey && e.Attempt > failed.Attempt);
            output.WriteLine($"{failed.AssetKey}: attempt {failed.Attempt} lost {(failed.Timestamp - killedAt).TotalSeconds:F1} s after the kill, re-run at {((rerun?.Timestamp ?? failed.Timestamp) - killedAt).TotalSeconds:F1} s");
        }

        output.WriteLine($"{lost.Count} lost attempt(s) re-run; resumed runs: {runs.Count(r => r.Events.Any(e => e.Type == RunEventType.StepStarted && e.Attempt > 1))}");
    }
}
