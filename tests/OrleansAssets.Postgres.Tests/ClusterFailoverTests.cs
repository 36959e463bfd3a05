using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>Silos die and stop on purpose, each test on a cluster of its own whose runs last long enough to be in flight.</summary>
public sealed partial class ClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Kill_9_of_a_sales_silo_mid_run_loses_nothing_duplicates_nothing_and_state_survives_a_restart()
    {
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            // Steps long enough to be running when the kill comes, even on a loaded machine whose logs lag.
            await using var cluster = await ProcessCluster.StartAsync(salesRepeats: 50_000);
            var client = await cluster.ClientAsync();
            var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.MaterializeAsync("*")));
            var ids = runs.Select(r => r.RunId).ToHashSet();
            // Events name a silo as host:port@generation; sales-1 listens on the cluster's base port.
            var killed = $"127.0.0.1:{cluster.BasePort}@";
            await WaitForStepRecordedRunningOnAsync(cluster, killed, ids);
            cluster.Signal("sales-1", kill: true);
            var killedAt = DateTimeOffset.UtcNow;
            var results = await Task.WhenAll(runs.Select(r => cluster.WaitAsync(r.RunId, TimeSpan.FromMinutes(4))));

            Assert.All(results, r => Assert.Equal(RunStatus.Success, r.Run.Status));
            var report = await ClusterInvariants.CheckAsync(cluster.Database.ConnectionString, ids);
            output.WriteLine(report.ToString());
            Assert.Empty(report.Violations);
            Report(results, killedAt);
            if (report.LostAttempts == 0 && attempt == 1)
            {
                // The kill fell between steps (the step storage showed running finished at that moment): that tests
                // nothing about failover, so once more on a new cluster.
                output.WriteLine("the kill found no step running on sales-1; once more on a new cluster");
                continue;
            }

            // A step recorded as running on the killed silo was lost with it, said so, and succeeded on a live silo.
            foreach (var run in results)
            {
                foreach (var started in run.Events.Where(e => e.Type == RunEventType.StepStarted && e.Silo?.StartsWith(killed, StringComparison.Ordinal) == true))
                {
                    Assert.Contains(run.Events, e => e.Type == RunEventType.StepFailed && e.WillRetry && e.AssetKey == started.AssetKey && e.Attempt == started.Attempt);
                    Assert.Contains(run.Events, e => e.Type == RunEventType.StepSucceeded && e.AssetKey == started.AssetKey && e.Silo?.StartsWith(killed, StringComparison.Ordinal) == false);
                }
            }

            Assert.True(report.LostAttempts > 0, "no attempt was recorded running on the killed silo");

            // oa still reaches the cluster through the gateways Postgres lists, and shows the dead silo as dead.
            var (exit, json, error) = await cluster.OaAsync("silos", "--json");
            Assert.True(exit == 0, error);
            using var silos = JsonDocument.Parse(json);
            var port = cluster.BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(silos.RootElement.GetProperty("silos").EnumerateArray(), s => s.GetProperty("address").GetString()!.EndsWith(":" + port, StringComparison.Ordinal) && s.GetProperty("status").GetString() == "dead");

            // Every silo stops; what was recorded is there when they come back.
            await cluster.ScriptAsync("down");
            await cluster.ScriptAsync("up", "--no-build");
            var (again, asset, _) = await cluster.OaAsync("asset", "sales_summary", "--json");
            Assert.Equal(0, again);
            using var summary = JsonDocument.Parse(asset);
            var latest = summary.RootElement.GetProperty("latestMaterialization");
            Assert.Contains(runs, r => r.RunId == latest.GetProperty("runId").GetGuid());
            Assert.Equal("B", latest.GetProperty("metadata").GetProperty("top_product").GetProperty("value").GetString());
            return;
        }
    }

    /// <summary>
    /// Rolling restarts, the graceful stop every deploy sends: each round stops a silo that drives some of the runs
    /// in flight while their steps run on other silos (and, in the later rounds, any kind of silo), and starts it
    /// again. A graceful stop loses nothing: each step's code runs exactly once, and every run is consistent.
    /// </summary>
    [Fact]
    public async Task Sigterm_rounds_hand_runs_over_and_each_step_s_code_runs_exactly_once()
    {
        await using var cluster = await ProcessCluster.StartAsync(salesRepeats: 50_000, sales: 3, settings: new Dictionary<string, string>
        {
            ["Logging__LogLevel__OrleansAssets.Runs.RunGrain"] = "Debug",
        });
        var client = await cluster.ClientAsync();
        var all = new List<Guid>();
        var stopped = new List<string>();
        string[] kinds = ["analytics-1", "sales-1", "sales-2", "sales-3"];
        for (var round = 0; round < 3; round++)
        {
            var runs = (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.MaterializeAsync("*")))).Select(r => r.RunId).ToHashSet();
            all.AddRange(runs);
            await WaitUntilAsync(() => cluster.CodeStarts().Count(c => runs.Contains(c.Run)) >= 3, "steps of this round's runs to start");

            // The first round stops a silo that drives runs; later rounds stop other kinds of silo, each once.
            var silo = round == 0 ? DrivingSilo(cluster, runs) ?? "sales-1" : kinds.First(k => !stopped.Contains(k));
            var elsewhere = cluster.CodeStarts().Where(c => runs.Contains(c.Run)).Select(c => c.Run).Distinct().Count();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await cluster.RestartAsync(silo);
            output.WriteLine($"round {round + 1}: restarted {silo} (steps of {elsewhere} run(s) had started) in {clock.Elapsed.TotalSeconds:F1} s; {string.Join("; ", ShutdownLines(cluster.PreviousLog(silo)))}");
            stopped.Add(silo);
        }

        var results = await Task.WhenAll(all.Select(id => cluster.WaitAsync(id, TimeSpan.FromMinutes(5))));

        Assert.All(results, r => Assert.True(r.Run.Status == RunStatus.Success, $"{r.Run.RunId} {r.Run.Status}: {r.Run.Error}"));
        var report = await ClusterInvariants.CheckAsync(cluster.Database.ConnectionString, all);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Violations);
        Assert.Equal(0, report.LostAttempts);

        // Each step's code ran exactly once: a graceful stop neither loses an attempt nor starts one twice.
        var starts = cluster.CodeStarts().Where(c => all.Contains(c.Run)).GroupBy(c => (c.Run, c.Asset)).ToList();
        Assert.Equal(all.Count * 4, starts.Count);
        Assert.All(starts, g => Assert.True(g.Count() == 1, $"{g.Key} started {g.Count()} times"));
        Assert.Contains(stopped, s => Regex.IsMatch(cluster.PreviousLog(s), @"Handed over [1-9]\d* of"));
        Assert.All(stopped, s => Assert.Contains("Every running step finished and handed over its outcome", cluster.PreviousLog(s)));
    }

    /// <summary>A sales silo that activated one of these runs' grains, from the run grains' debug lines.</summary>
    private static string? DrivingSilo(ProcessCluster cluster, IReadOnlySet<Guid> runs) =>
        Enumerable.Range(1, 3).Select(i => $"sales-{i}").FirstOrDefault(s => runs.Any(r => cluster.Log(s).Contains($"Run {r} is driven from this silo", StringComparison.Ordinal)));

    private static IEnumerable<string> ShutdownLines(string log) => log.Split('\n')
        .Where(l => l.Contains("Shutting down:", StringComparison.Ordinal) || l.Contains("Handed over", StringComparison.Ordinal) || l.Contains("Every running step", StringComparison.Ordinal) || l.Contains("Leaving with", StringComparison.Ordinal))
        .Select(l => l.Trim());

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1200; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Waited 60 s for {what}.");
    }

    /// <summary>
    /// Waits until the silo's log shows one of these runs' steps started there and not finished, the most recent
    /// such (the console log is written asynchronously, so an older one may have finished already).
    /// </summary>
    private static async Task<(string Asset, Guid Run)> WaitForStepRunningOnAsync(ProcessCluster cluster, string silo, IReadOnlySet<Guid> runs)
    {
        var started = RunningStep();
        for (var i = 0; i < 1200; i++)
        {
            var log = cluster.Log(silo);
            foreach (Match match in started.Matches(log).Reverse())
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

    /// <summary>
    /// Waits until the run storage records one of these runs' steps running on the silo (its start is stored a little
    /// after the log line says it began, so the log alone can point at a step whose start is not recorded yet, or
    /// that has just finished).
    /// </summary>
    private static async Task WaitForStepRecordedRunningOnAsync(ProcessCluster cluster, string siloPrefix, IReadOnlySet<Guid> runs)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(cluster.Database.ConnectionString);
        for (var i = 0; i < 2400; i++)
        {
            await using var command = db.CreateCommand("select count(*) from oa_steps where status = 'running' and run_id = any($1) and silo like $2");
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = runs.ToArray() });
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = siloPrefix + "%" });
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No step of these runs was recorded running on {siloPrefix}.");
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
    }

    [GeneratedRegex(@"Running step (\S+) of run ([0-9a-f-]{36})")]
    private static partial Regex RunningStep();
}
