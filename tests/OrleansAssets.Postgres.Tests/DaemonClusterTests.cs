using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// The daemon on a cluster of silo processes on Postgres, every silo loading the ClusterAutomation test location
/// besides its own: a schedule every two seconds and a counting sensor across a kill -9 of the silo holding them,
/// a tag limit of 1 under 20 concurrent submissions, and cancellation of a queued and a running run.
/// </summary>
public sealed partial class DaemonClusterTests(ITestOutputHelper output)
{
    private const string Schedule = "every_two_seconds";

    private static Dictionary<string, string> WithAutomation(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["OrleansAssets__CodeLocations__1__Name"] = "cluster_automation",
            ["OrleansAssets__CodeLocations__1__Assembly"] = Path.Combine(AppContext.BaseDirectory, "codelocations", "ClusterAutomation", "ClusterAutomation.dll"),
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Kill_9_of_the_silo_holding_a_schedule_and_a_sensor_gives_one_run_per_tick_and_keeps_the_sensors_cursor_and_run_keys()
    {
        await using var cluster = await ProcessCluster.StartAsync(settings: WithAutomation());
        await using var db = NpgsqlDataSource.Create(cluster.Database.ConnectionString);
        await UntilAsync(async () => await ScalarAsync<long>(db, "select count(*) from oa_ticks where kind = 'schedule' and name = $1 and status = 'started'", Schedule) >= 4, "four started ticks", TimeSpan.FromSeconds(60));

        // The silos ticking it now (two, when Orleans' eventually consistent directory let a second activation in
        // while the silos joined: their runs are one per tick all the same); one silo is left to take over.
        var holders = Holders(cluster).Take(2).ToList();
        var cursorBefore = int.Parse(await ScalarAsync<string>(db, "select cursor from oa_automation_state where kind = 'sensor' and name = 'counter'"), CultureInfo.InvariantCulture);
        output.WriteLine($"schedule held by {string.Join(" and ", holders)}; the sensor's cursor {cursorBefore}; ticks logged: {TicksBySilo(cluster)}");
        foreach (var silo in holders)
        {
            cluster.Signal(silo, kill: true);
        }

        var killedAt = DateTimeOffset.UtcNow;

        // A survivor holds the schedule once it makes runs for ticks after the kill; then a few more ticks.
        await UntilAsync(async () => await ScalarAsync<long>(db, "select count(*) from oa_ticks where kind = 'schedule' and name = $1 and status = 'started' and at > $2", Schedule, killedAt.AddSeconds(10)) >= 3, "ticks after the kill", TimeSpan.FromSeconds(90));
        var pickedUp = Holders(cluster).First(s => !holders.Contains(s));
        output.WriteLine($"picked up by {pickedUp}; ticks logged: {TicksBySilo(cluster)}");

        var ticks = await TicksAsync(db);
        var first = ticks[0].At;
        var last = ticks[^1].At;
        var lost = Enumerable.Range(0, (int)((last - first).TotalSeconds / 2) + 1).Select(i => first.AddSeconds(2 * i)).Except(ticks.Select(t => t.At)).ToList();
        Assert.True(lost.Count == 0, $"ticks without a record: {string.Join(", ", lost.Select(t => t.ToString("O")))}");
        Assert.All(ticks, t => Assert.Equal("started", t.Status));

        // One run per tick, by run key and by tag, read from Postgres.
        var runsByTick = await RowsAsync(db, "select tags->>'oa/tick', count(*), min(created_at) from oa_runs where tags->>'oa/schedule' = $1 group by 1", Schedule);
        Assert.Equal(ticks.Count, runsByTick.Count);
        Assert.All(runsByTick, r => Assert.Equal(1L, (long)r[1]));
        Assert.Equal(ticks.Count, await ScalarAsync<long>(db, "select count(*) from oa_run_keys where run_key like $1", $"schedule:{Schedule}:%"));
        var late = runsByTick.Select(r => ((DateTime)r[2] - DateTimeOffset.Parse((string)r[0], CultureInfo.InvariantCulture).UtcDateTime).TotalMilliseconds).Order().ToList();
        output.WriteLine($"{ticks.Count} ticks from {first:O} to {last:O}, each with one run; tick -> run queued p50 {Percentile(late, 0.5):F1} ms, p99 {Percentile(late, 0.99):F1} ms, the latest {late[^1]:F1} ms (across the kill of {string.Join(" and ", holders)}; {pickedUp} went on)");

        // A survivor made every tick after the kill.
        Assert.All(ticks.Where(t => t.At > killedAt), t => Assert.True(holders.All(h => NewestTick(cluster, h) < t.At), $"a killed silo made tick {t.At:O}"));

        // The sensor's cursor went on from where it was, and each of its run keys ran once.
        await UntilAsync(async () => int.Parse(await ScalarAsync<string>(db, "select cursor from oa_automation_state where kind = 'sensor' and name = 'counter'"), CultureInfo.InvariantCulture) > cursorBefore + 3, "the sensor to go on", TimeSpan.FromSeconds(60));
        var keys = (await RowsAsync(db, "select tags->>'counter/key', count(*) from oa_runs where tags->>'oa/sensor' = 'counter' group by 1")).ToList();
        Assert.All(keys, k => Assert.Equal(1L, (long)k[1]));
        var numbers = keys.Select(k => int.Parse(((string)k[0])[1..], CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, numbers.Count), numbers);
        output.WriteLine($"sensor counter: {numbers.Count} keys, each run once; cursor {cursorBefore} before the kill");

        var all = (await RowsAsync(db, "select run_id from oa_runs where tags ? 'oa/schedule' or tags ? 'oa/sensor'")).Select(r => (Guid)r[0]).ToList();
        var report = await ClusterInvariants.CheckAsync(cluster.Database.ConnectionString, all);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Violations);
    }

    [Fact]
    public async Task A_tag_limit_of_one_holds_under_twenty_concurrent_submissions_and_queued_and_running_runs_cancel()
    {
        await using var cluster = await ProcessCluster.StartAsync(settings: WithAutomation(
            ("OrleansAssets__RunQueue__TagLimits__0__Key", "lane"),
            ("OrleansAssets__RunQueue__TagLimits__0__Value", "one"),
            ("OrleansAssets__RunQueue__TagLimits__0__Limit", "1"),
            ("OrleansAssets__CancelGracePeriod", "00:00:05")));
        var client = await cluster.ClientAsync();
        var grains = await cluster.GrainsAsync();
        var lane = new Dictionary<string, string> { ["lane"] = "one" };

        // Cancel: an endless run holds the lane, the next one waits; the waiting one is canceled, then the endless one.
        var endless = await client.MaterializeAsync("endless", lane);
        await UntilAsync(async () => (await client.GetRunAsync(endless.RunId)).Events.Any(e => e.Type == RunEventType.StepStarted), "the endless step to start", TimeSpan.FromSeconds(60));
        var waiting = await client.MaterializeAsync("slow_lane", lane);
        Assert.Equal(RunStatus.Queued, (await client.GetRunAsync(waiting.RunId)).Run.Status);
        Assert.Equal(1, (await client.GetRunAsync(waiting.RunId)).QueuePosition);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await grains.GetGrain<IRunGrain>(waiting.RunId).Cancel(new CancelRequest { By = "the test", Reason = "queued" });
        var canceledQueued = await cluster.WaitAsync(waiting.RunId, TimeSpan.FromSeconds(30));
        var queuedLatency = clock.Elapsed;
        Assert.Equal(RunStatus.Canceled, canceledQueued.Run.Status);
        Assert.DoesNotContain(canceledQueued.Events, e => e.Type == RunEventType.StepStarted);

        clock.Restart();
        await grains.GetGrain<IRunGrain>(endless.RunId).Cancel(new CancelRequest { By = "the test", Reason = "running" });
        var canceledRunning = await cluster.WaitAsync(endless.RunId, TimeSpan.FromSeconds(60));
        var runningLatency = clock.Elapsed;
        Assert.Equal(RunStatus.Canceled, canceledRunning.Run.Status);
        Assert.DoesNotContain(canceledRunning.Events, e => e.Type == RunEventType.Materialization);
        Assert.Contains(canceledRunning.Events, e => e.Message?.Contains("the test", StringComparison.Ordinal) == true);
        Assert.Single(cluster.Logs().SelectMany(l => EndlessStarted().Matches(l)), m => m.Value.Contains(endless.RunId.ToString(), StringComparison.Ordinal));
        output.WriteLine($"cancel -> canceled: queued run {queuedLatency.TotalMilliseconds:F0} ms, running run {runningLatency.TotalMilliseconds:F0} ms (its step honoured the token)");

        // The tag limit: 20 runs of the lane submitted at once never run two at a time.
        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.MaterializeAsync("slow_lane", lane)));
        var results = await Task.WhenAll(runs.Select(r => cluster.WaitAsync(r.RunId, TimeSpan.FromMinutes(3))));
        Assert.All(results, r => Assert.Equal(RunStatus.Success, r.Run.Status));
        var spans = results.Select(r => (Start: r.Events.Single(e => e.Type == RunEventType.RunStarted).Timestamp, End: r.Events.Single(e => e.Type == RunEventType.RunSuccess).Timestamp))
            .OrderBy(s => s.Start).ToList();
        for (var i = 1; i < spans.Count; i++)
        {
            Assert.True(spans[i].Start >= spans[i - 1].End, $"run {i + 1} started at {spans[i].Start:O}, before run {i} ended at {spans[i - 1].End:O}");
        }

        var dequeue = spans.Skip(1).Select((s, i) => (s.Start - spans[i].End).TotalMilliseconds).Order().ToList();
        output.WriteLine($"20 runs one at a time; run ends -> next queued run started: p50 {Percentile(dequeue, 0.5):F1} ms, p99 {Percentile(dequeue, 0.99):F1} ms");
        var report = await ClusterInvariants.CheckAsync(cluster.Database.ConnectionString, [.. runs.Select(r => r.RunId), endless.RunId, waiting.RunId]);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Violations);
    }

    /// <summary>The silos that logged a tick of the schedule in the 5 s before its newest one: those holding its grain.</summary>
    private static List<string> Holders(ProcessCluster cluster)
    {
        var bySilo = Directory.GetFiles(Path.Combine(cluster.ClusterDirectory, "logs"), "*.log")
            .Select(f => (Silo: Path.GetFileNameWithoutExtension(f), Ticks: TickLine().Matches(File.ReadAllText(f)).Select(m => DateTimeOffset.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList()))
            .Where(s => s.Ticks.Count > 0 && !s.Silo.Contains('.', StringComparison.Ordinal))
            .ToList();
        var newest = bySilo.Count == 0 ? throw new InvalidOperationException($"No silo logged a tick of {Schedule}.") : bySilo.Max(s => s.Ticks.Max());
        return [.. bySilo.Where(s => s.Ticks.Max() >= newest.AddSeconds(-5)).OrderByDescending(s => s.Ticks.Max()).Select(s => s.Silo)];
    }

    private static DateTimeOffset NewestTick(ProcessCluster cluster, string silo) =>
        TickLine().Matches(cluster.Log(silo)).Select(m => DateTimeOffset.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Max();

    private static string TicksBySilo(ProcessCluster cluster) => string.Join("; ", Directory.GetFiles(Path.Combine(cluster.ClusterDirectory, "logs"), "*.log")
        .Select(f => (Silo: Path.GetFileNameWithoutExtension(f), Ticks: TickLine().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value[11..19]).ToList()))
        .Select(s => $"{s.Silo}: {string.Join(" ", s.Ticks)}"));

    private static async Task<List<(DateTimeOffset At, string Status)>> TicksAsync(NpgsqlDataSource db) =>
        [.. (await RowsAsync(db, "select at, status from oa_ticks where kind = 'schedule' and name = $1 order by at", Schedule)).Select(r => (new DateTimeOffset((DateTime)r[0], TimeSpan.Zero), (string)r[1]))];

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p is DateTimeOffset d ? d.UtcDateTime : p });
        }

        return (T)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No value for {sql}"));
    }

    private static async Task<List<object[]>> RowsAsync(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        var rows = new List<object[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // Not there yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds} s for {what}.");
            }

            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"Schedule every_two_seconds tick (\S+): run ")]
    private static partial Regex TickLine();

    [GeneratedRegex(@"Running step endless of run [0-9a-f-]{36}")]
    private static partial Regex EndlessStarted();
}
