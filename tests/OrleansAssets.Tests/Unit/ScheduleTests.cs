using Microsoft.Extensions.Configuration;
using OrleansAssets.Automation;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Unit;

/// <summary>Cron parsing and ticks in a zone (Cronos's daylight-saving rules), and misfire planning on a given clock.</summary>
public sealed class ScheduleClockTests
{
    private static readonly TimeZoneInfo NewYork = ScheduleClock.FindZone("America/New_York");

    [Theory]
    [InlineData("0 0 * * *", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", "2026-01-01T00:00:00+09:00 2026-01-02T00:00:00+09:00 2026-01-03T00:00:00+09:00")]
    [InlineData("*/20 * * * * *", "UTC", "2026-01-01T00:00:05+00:00", "2026-01-01T00:00:20+00:00 2026-01-01T00:00:40+00:00 2026-01-01T00:01:00+00:00")]
    [InlineData("@daily", "Europe/Paris", "2026-06-30T12:00:00+02:00", "2026-07-01T00:00:00+02:00 2026-07-02T00:00:00+02:00 2026-07-03T00:00:00+02:00")]
    [InlineData("@hourly", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00 2026-01-01T01:00:00+00:00 2026-01-01T02:00:00+00:00")]
    public void Next_ticks_are_at_or_after_from_in_the_zone(string cron, string zone, string from, string want)
    {
        var tz = ScheduleClock.FindZone(zone);
        var ticks = ScheduleClock.Next(ScheduleClock.ParseCron(cron), tz, ScheduleClock.ParseInstant(from, tz), 3);

        Assert.Equal(want.Split(' '), ticks.Select(ScheduleClock.Format));
    }

    [Fact]
    public void Spring_forward_a_daily_tick_in_the_skipped_hour_runs_at_the_transition()
    {
        var ticks = Ticks("30 2 * * *", "2026-03-07T00:00:00-05:00", 3);

        Assert.Equal(["2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"], ticks);
    }

    [Fact]
    public void Spring_forward_an_interval_schedule_goes_on_after_the_gap()
    {
        var ticks = Ticks("*/30 * * * *", "2026-03-08T01:00:00-05:00", 4);

        Assert.Equal(["2026-03-08T01:00:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"], ticks);
    }

    [Fact]
    public void Fall_back_a_daily_tick_in_the_repeated_hour_runs_once()
    {
        var ticks = Ticks("30 1 * * *", "2026-10-31T00:00:00-04:00", 3);

        Assert.Equal(["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"], ticks);
    }

    [Fact]
    public void Fall_back_an_interval_schedule_runs_in_both_offsets_of_the_repeated_hour()
    {
        var ticks = Ticks("*/30 * * * *", "2026-11-01T01:00:00-04:00", 5);

        Assert.Equal(["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"], ticks);
    }

    [Theory]
    [InlineData("not a cron", "not a cron")]
    [InlineData("61 * * * *", "61 * * * *")]
    [InlineData("* * * *", "* * * *")]
    [InlineData("", "it is empty")]
    public void A_bad_cron_is_named_with_what_is_wrong(string cron, string named)
    {
        var error = Assert.Throws<ScheduleException>(() => ScheduleClock.ParseCron(cron));

        Assert.Contains(named, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_unknown_zone_is_named()
    {
        var error = Assert.Throws<ScheduleException>(() => ScheduleClock.FindZone("Mars/Olympus_Mons"));

        Assert.Contains("Mars/Olympus_Mons", error.Message, StringComparison.Ordinal);
    }

    private static List<string> Ticks(string cron, string from, int count) =>
        [.. ScheduleClock.Next(ScheduleClock.ParseCron(cron), NewYork, DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), count).Select(ScheduleClock.Format)];
}

public sealed class ScheduleTickerTests
{
    private static readonly TimeSpan MisfireAfter = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Midnight = new(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_tick_on_time_runs_and_nothing_before_the_cursor_is_made_up()
    {
        var plan = Plan(Misfire.RunLatest, "0 * * * *", cursor: Midnight.AddMinutes(30), now: Midnight.AddHours(1).AddSeconds(2));

        var tick = Assert.Single(plan);
        Assert.True(tick.Run);
        Assert.Equal(Midnight.AddHours(1), tick.Tick);
    }

    [Fact]
    public void Nothing_is_due_before_the_next_tick()
    {
        Assert.Empty(Plan(Misfire.RunLatest, "0 * * * *", cursor: Midnight, now: Midnight.AddMinutes(59)));
        Assert.Empty(Plan(Misfire.RunLatest, "0 * * * *", cursor: Midnight, now: Midnight));
    }

    [Fact]
    public void Run_latest_after_an_outage_runs_the_newest_missed_tick_and_records_the_others_skipped()
    {
        var plan = Plan(Misfire.RunLatest, "0 * * * *", cursor: Midnight, now: Midnight.AddHours(5).AddMinutes(10));

        Assert.Equal(Enumerable.Range(1, 5).Select(h => Midnight.AddHours(h)), plan.Select(d => d.Tick));
        Assert.Equal([false, false, false, false, true], plan.Select(d => d.Run));
        Assert.All(plan.Take(4), d => Assert.Contains("RunLatest runs only the newest missed tick", d.SkipReason, StringComparison.Ordinal));
    }

    [Fact]
    public void Run_latest_with_a_tick_on_time_runs_only_that_one()
    {
        var plan = Plan(Misfire.RunLatest, "0 * * * *", cursor: Midnight, now: Midnight.AddHours(3).AddSeconds(5));

        Assert.Equal([false, false, true], plan.Select(d => d.Run));
        Assert.Equal(Midnight.AddHours(3), plan[^1].Tick);
    }

    [Fact]
    public void Run_all_runs_every_missed_tick_up_to_its_cap()
    {
        var plan = Plan(Misfire.RunAll, "0 * * * *", cursor: Midnight, now: Midnight.AddHours(5).AddMinutes(10), maxMisfireRuns: 3);

        Assert.Equal([false, false, true, true, true], plan.Select(d => d.Run));
        Assert.Contains("at most the newest 3 missed ticks", plan[0].SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_runs_no_missed_tick_but_records_each_and_runs_the_one_on_time()
    {
        var plan = Plan(Misfire.Skip, "0 * * * *", cursor: Midnight, now: Midnight.AddHours(3).AddSeconds(1));

        Assert.Equal([false, false, true], plan.Select(d => d.Run));
        Assert.All(plan.Take(2), d => Assert.Contains("misfire policy is Skip", d.SkipReason, StringComparison.Ordinal));
    }

    [Fact]
    public void Years_of_an_every_second_schedule_are_not_listed_row_by_row()
    {
        var plan = Plan(Misfire.Skip, "* * * * * *", cursor: Midnight, now: Midnight.AddDays(400));

        Assert.True(plan.Count <= ScheduleTicker.MaxRecordedMisfires + 1);
        Assert.Contains("are not listed", plan[0].SkipReason, StringComparison.Ordinal);
    }

    private static List<TickDecision> Plan(Misfire misfire, string cron, DateTimeOffset cursor, DateTimeOffset now, int maxMisfireRuns = 100)
    {
        var spec = new ScheduleSpec { Name = "s", Cron = cron, Misfire = misfire, MaxMisfireRuns = maxMisfireRuns, CodeLocation = "test" };
        return ScheduleTicker.Plan(spec, ScheduleClock.ParseCron(cron), TimeZoneInfo.Utc, cursor, now, MisfireAfter);
    }
}

/// <summary>A code location whose schedules and sensors are wrong refuses to load, naming the problem.</summary>
public sealed class AutomationValidationTests
{
    private static readonly AsyncLocal<Action<ICodeLocationBuilder>?> Definitions = new();

    [Theory]
    [InlineData("bad cron", "schedule 'nightly' of code location 'test'")]
    [InlineData("bad zone", "Mars/Olympus_Mons")]
    [InlineData("unknown job", "no_such_job")]
    [InlineData("no target", "nightly")]
    [InlineData("duplicate", "defines schedule 'nightly' twice")]
    [InlineData("short interval", "the shortest is 1 s")]
    [InlineData("unknown watched asset", "unknown asset key 'nowhere'")]
    [InlineData("unknown watched job", "watches job 'no_such_job'")]
    public void Bad_definitions_are_named(string problem, string named)
    {
        Action<ICodeLocationBuilder> configure = problem switch
        {
            "bad cron" => b => b.AddSchedule(new ScheduleDefinition("nightly", "0 25 * * *") { Job = "all" }),
            "bad zone" => b => b.AddSchedule(new ScheduleDefinition("nightly", "0 0 * * *") { Job = "all", TimeZone = "Mars/Olympus_Mons" }),
            "unknown job" => b => b.AddSchedule(new ScheduleDefinition("nightly", "0 0 * * *") { Job = "no_such_job" }),
            "no target" => b => b.AddSchedule(new ScheduleDefinition("nightly", "0 0 * * *")),
            "duplicate" => b => b.AddSchedule(new ScheduleDefinition("nightly", "0 0 * * *") { Job = "all" }).AddSchedule(new ScheduleDefinition("nightly", "0 1 * * *") { Job = "all" }),
            "short interval" => b => b.AddSensor(new SensorDefinition("fast", _ => ValueTask.FromResult(new SensorResult())) { Job = "all", Interval = TimeSpan.FromMilliseconds(100) }),
            "unknown watched asset" => b => b.AddAssetSensor(new AssetSensorDefinition("watch", ["nowhere"]) { Job = "all" }),
            _ => b => b.AddRunStatusSensor(new RunStatusSensorDefinition("alert", RunOutcome.Failure) { WatchJob = "no_such_job", Job = "all" }),
        };

        var error = Assert.Throws<AssetGraphException>(() => Load(configure));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Good_definitions_load_with_their_defaults()
    {
        var location = Load(b => b
            .AddSchedule(new ScheduleDefinition("nightly", "0 0 * * *") { Job = "all", TimeZone = "Asia/Tokyo" })
            .AddSensor(new SensorDefinition("poll", _ => ValueTask.FromResult(new SensorResult())) { Selection = "only" }));

        var schedule = Assert.Single(location.Schedules);
        Assert.Equal(AutomationStatus.Stopped, schedule.DefaultStatus);
        Assert.Equal(Misfire.RunLatest, schedule.Misfire);
        var sensor = Assert.Single(location.Sensors);
        Assert.Equal(AutomationStatus.Stopped, sensor.DefaultStatus);
        Assert.Equal(TimeSpan.FromSeconds(30), sensor.Interval);
    }

    private static LoadedCodeLocation Load(Action<ICodeLocationBuilder> configure)
    {
        Definitions.Value = configure;
        return CodeLocationRegistry.Load([new CodeLocationOptions { Name = "test", Definitions = typeof(ConfiguredLocation) }], new ConfigurationBuilder().Build()).Get("test");
    }

    public sealed class ConfiguredLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) =>
            (Definitions.Value ?? throw new InvalidOperationException("no definitions"))(builder.AddAssets<OnlyAssets>().AddJob(new JobDefinition("all") { Selection = "*" }));
    }

    public sealed class OnlyAssets
    {
        [Asset] public static MaterializeResult Only() => new();
    }
}
