using System.Diagnostics;
using OrleansAssets.Automation;
using OrleansAssets.Hosting;
using OrleansAssets.Queries;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;
using Xunit.Abstractions;
using TickStatus = OrleansAssets.Automation.TickStatus;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A cluster (in-memory storage and reminders, named as such) with the automation test location and the sales example, whose inbox is a folder of the test's.</summary>
public sealed class AutomationClusterFixture : ClusterFixture
{
    public string InboxDirectory { get; } = Directory.CreateTempSubdirectory("oa-inbox-").FullName;

    protected override void ConfigureCodeLocations(OrleansAssetsOptions options)
    {
        options.AddCodeLocation("sales", CodeLocationAssembly("SalesPipeline"));
        options.AddCodeLocation<AutomationLocation>("automation");
    }

    protected override IEnumerable<KeyValuePair<string, string?>> HostSettings() => [new("Sales:InboxDir", InboxDirectory)];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(InboxDirectory, recursive: true);
    }
}

/// <summary>Schedules and sensors in a running cluster: one run per tick, run keys run once, errors on the tick, pushed sensors.</summary>
public sealed class AutomationTests(AutomationClusterFixture fixture, ITestOutputHelper output) : IClassFixture<AutomationClusterFixture>
{
    private IQueryGrain Queries => fixture.Cluster.Client.GetGrain<IQueryGrain>(0);

    [Fact]
    public async Task A_seconds_schedule_makes_one_run_per_tick_tagged_with_its_tick_and_stops_when_stopped()
    {
        Assert.Equal(AutomationStatus.Stopped, (await Queries.GetAutomation(AutomationKind.Schedule, "every_second")).Status);
        await Queries.SetAutomationStatus(AutomationKind.Schedule, "every_second", AutomationStatus.Running, "the test");
        await UntilAsync(async () => (await StartedTicksAsync()).Count >= 3, "three started ticks");
        var stopped = await Queries.SetAutomationStatus(AutomationKind.Schedule, "every_second", AutomationStatus.Stopped, "the test");
        Assert.Equal(AutomationStatus.Stopped, stopped.Status);
        var ticks = await StartedTicksAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var runs = await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Schedule] = "every_second" }, Limit = 1000 });
        Assert.Equal(ticks.Count, (await StartedTicksAsync()).Count);
        Assert.Equal(runs.Count, ticks.Count);
        Assert.Equal(runs.Count, runs.Select(r => r.Tags[RunTags.Tick]).Distinct().Count());
        foreach (var tick in ticks)
        {
            var run = Assert.Single(runs, r => r.RunId == Assert.Single(tick.RunIds));
            Assert.Equal(ScheduleClock.Format(tick.At), run.Tags[RunTags.Tick]);
            Assert.Equal("schedule", run.Tags["from"]);
            Assert.Equal("beacon_job", run.Job);
            Assert.Equal(RunKeys.RunIdOf(RunKeys.ForScheduleTick("every_second", tick.At)), run.RunId);
            output.WriteLine($"tick {ScheduleClock.Format(tick.At)}: run queued {(run.CreatedAt - tick.At).TotalMilliseconds:F1} ms after it");
        }

        // A tick handled again (a poke, a reminder, another silo) makes no second run.
        await fixture.Cluster.Client.GetGrain<IScheduleGrain>("every_second").Poke();
        Assert.Equal(runs.Count, (await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Schedule] = "every_second" }, Limit = 1000 })).Count);
        var again = await fixture.Cluster.Client.GetGrain<IRunGrain>(runs[0].RunId).Submit(new RunRequest { Job = "beacon_job", RunKey = RunKeys.ForScheduleTick("every_second", ticks[^1].At) });
        Assert.Contains(again.RunId, runs.Select(r => r.RunId));
    }

    [Fact]
    public async Task A_sensor_asking_for_the_same_run_keys_at_every_evaluation_runs_each_once_and_keeps_its_cursor()
    {
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "keyed", AutomationStatus.Running, "the test");
        await UntilAsync(async () => int.Parse((await Queries.GetAutomation(AutomationKind.Sensor, "keyed")).Cursor ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 3, "three evaluations");
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "keyed", AutomationStatus.Stopped, "the test");

        var runs = await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "keyed" }, Limit = 1000 });
        Assert.Equal(["k1", "k2"], runs.Select(r => r.Tags["key"]).Order(StringComparer.Ordinal));
        var ticks = await Queries.ListTicks(AutomationKind.Sensor, "keyed", null, 100);
        var started = Assert.Single(ticks, t => t.Status == TickStatus.Started);
        Assert.Equal(runs.Select(r => r.RunId).Order(), started.RunIds.Order());
        Assert.All(ticks.Where(t => t != started), t => Assert.Equal(TickStatus.Skipped, t.Status));
    }

    [Fact]
    public async Task A_sensor_that_throws_has_the_error_on_its_tick_and_is_evaluated_again()
    {
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "throwing", AutomationStatus.Running, "the test");
        await UntilAsync(async () => (await Queries.ListTicks(AutomationKind.Sensor, "throwing", null, 10)).Count(t => t.Status == TickStatus.Failed) >= 1, "a failed tick");
        var first = (await Queries.ListTicks(AutomationKind.Sensor, "throwing", null, 10))[0];
        await UntilAsync(async () => (await Queries.GetAutomation(AutomationKind.Sensor, "throwing")).LastTick?.RecordedAt > first.RecordedAt, "a later evaluation");
        var info = await Queries.SetAutomationStatus(AutomationKind.Sensor, "throwing", AutomationStatus.Stopped, "the test");

        Assert.Contains("the sensor broke on purpose", first.Message, StringComparison.Ordinal);
        Assert.Equal(TickStatus.Failed, info.LastTick?.Status);
        Assert.Empty(await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "throwing" } }));
    }

    [Fact]
    public async Task A_sensor_that_hangs_past_its_timeout_is_recorded_timed_out_and_goes_on()
    {
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "hanging", AutomationStatus.Running, "the test");
        await UntilAsync(async () => (await Queries.ListTicks(AutomationKind.Sensor, "hanging", null, 10)).Any(t => t.Status == TickStatus.Failed), "a timed-out tick");
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "hanging", AutomationStatus.Stopped, "the test");

        var tick = (await Queries.ListTicks(AutomationKind.Sensor, "hanging", null, 10)).First(t => t.Status == TickStatus.Failed);
        Assert.Contains("1 s", tick.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_asset_sensor_is_pushed_each_materialization_and_queues_one_run_per_upstream_run()
    {
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "beacon_changed", AutomationStatus.Running, "the test");
        var upstream = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var run = await fixture.MaterializeAsync("beacon");
            Assert.Equal(RunStatus.Success, run.Run.Status);
            upstream.Add(run.Run.RunId);
        }

        await UntilAsync(async () => (await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "beacon_changed" } })).Count >= 3, "three sensor runs");
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "beacon_changed", AutomationStatus.Stopped, "the test");

        var runs = await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "beacon_changed" } });
        Assert.Equal(upstream.Order(), runs.Select(r => Guid.Parse(r.Tags["oa/upstream-run"])).Order());
        Assert.All(runs, r => Assert.Equal("echo_job", r.Job));
        foreach (var run in runs)
        {
            var materialized = (await Queries.GetRun(Guid.Parse(run.Tags["oa/upstream-run"]), 0, 1000)).Events.Single(e => e.Type == RunEventType.Materialization);
            output.WriteLine($"upstream materialized -> sensor run queued: {(run.CreatedAt - materialized.Timestamp).TotalMilliseconds:F1} ms");
        }
    }

    [Fact]
    public async Task A_run_status_sensor_runs_its_job_when_a_watched_run_fails()
    {
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "doomed_failed", AutomationStatus.Running, "the test");
        var failed = await fixture.WaitAsync((await fixture.Cluster.Client.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest { Job = "doomed_job" })).RunId);
        Assert.Equal(RunStatus.Failure, failed.Run.Status);

        await UntilAsync(async () => (await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "doomed_failed" } })).Count >= 1, "the alert run");
        await Queries.SetAutomationStatus(AutomationKind.Sensor, "doomed_failed", AutomationStatus.Stopped, "the test");

        var alert = Assert.Single(await Queries.ListRuns(new RunQuery { Tags = { [RunTags.Sensor] = "doomed_failed" } }));
        Assert.Equal("echo_job", alert.Job);
        Assert.Contains(failed.Run.RunId.ToString("N"), alert.RunKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inbox_sensor_runs_a_dropped_csv_once_with_that_files_figures()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "data", "sales.csv"));
        var partial = Path.Combine(fixture.InboxDirectory, ".no-a.csv.tmp");
        await File.WriteAllLinesAsync(partial, rows.Where(r => !r.Contains(",A,", StringComparison.Ordinal)));
        File.Move(partial, Path.Combine(fixture.InboxDirectory, "no-a.csv"));

        await UntilAsync(async () => (await Queries.ListRuns(new RunQuery { Tags = { ["sales/file"] = "no-a.csv" } })).Count >= 1, "the inbox run");
        var run = await fixture.WaitAsync(Assert.Single(await Queries.ListRuns(new RunQuery { Tags = { ["sales/file"] = "no-a.csv" } })).RunId);
        Assert.Equal(RunStatus.Success, run.Run.Status);
        Assert.Equal("sales_job", run.Run.Job);
        var summary = run.Events.Single(e => e.Type == RunEventType.Materialization && e.AssetKey == "sales_summary");
        Assert.Equal("2", summary.Metadata!["product_count"].ToString());

        // Later evaluations see the same file and ask for the same run key: no second run.
        var sensor = await Queries.GetAutomation(AutomationKind.Sensor, "sales_inbox");
        await UntilAsync(async () => (await Queries.GetAutomation(AutomationKind.Sensor, "sales_inbox")).LastTick?.RecordedAt > run.Run.EndedAt, "a later evaluation");
        Assert.Single(await Queries.ListRuns(new RunQuery { Tags = { ["sales/file"] = "no-a.csv" } }));
        Assert.Equal(AutomationStatus.Running, sensor.Status);
    }

    [Fact]
    public async Task Unknown_schedules_and_sensors_are_named_with_the_known_ones()
    {
        var error = await Assert.ThrowsAsync<NotFoundException>(() => Queries.GetAutomation(AutomationKind.Schedule, "nope"));
        Assert.Contains("Unknown schedule 'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("every_second", error.Message, StringComparison.Ordinal);
        var sensors = await Queries.ListSensors();
        Assert.Contains(sensors, s => s.Name == "sales_inbox" && s.Status == AutomationStatus.Running);
        Assert.Contains(sensors, s => s.Name == "beacon_changed" && s.SensorKind == SensorKind.Asset && s.Assets.SequenceEqual(["beacon"]));
        var daily = Assert.Single(await Queries.ListSchedules(), s => s.Name == "sales_daily");
        Assert.Equal(AutomationStatus.Stopped, daily.Status);
        Assert.Equal(5, daily.NextTicks.Count);
        Assert.All(daily.NextTicks, t => Assert.Equal(TimeSpan.FromHours(9), t.Offset));
    }

    private async Task<List<TickRecord>> StartedTicksAsync() =>
        [.. (await Queries.ListTicks(AutomationKind.Schedule, "every_second", null, 1000)).Where(t => t.Status == TickStatus.Started).OrderBy(t => t.At)];

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited 60 s for {what}");
            }

            await Task.Delay(50);
        }
    }
}
