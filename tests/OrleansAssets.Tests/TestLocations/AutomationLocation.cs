using System.Globalization;

namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// Schedules and sensors for the daemon's tests, every one stopped until a test starts it: an every-second schedule,
/// a sensor that asks for the same two run keys at every evaluation, one that throws, one that hangs, an asset
/// sensor and a run-status sensor.
/// </summary>
public sealed class AutomationLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<AutomationAssets>()
        .AddJob(new JobDefinition("beacon_job") { Selection = "beacon" })
        .AddJob(new JobDefinition("echo_job") { Selection = "echo" })
        .AddJob(new JobDefinition("doomed_job") { Selection = "doomed" })
        .AddSchedule(new ScheduleDefinition("every_second", "* * * * * *") { Job = "beacon_job", Tags = new Dictionary<string, string> { ["from"] = "schedule" } })
        .AddSensor(new SensorDefinition("keyed", KeyedAsync) { Job = "beacon_job", Interval = TimeSpan.FromSeconds(1) })
        .AddSensor(new SensorDefinition("throwing", _ => throw new InvalidOperationException("the sensor broke on purpose")) { Job = "beacon_job", Interval = TimeSpan.FromSeconds(1) })
        .AddSensor(new SensorDefinition("hanging", HangAsync) { Job = "beacon_job", Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1) })
        .AddAssetSensor(new AssetSensorDefinition("beacon_changed", ["beacon"]) { Job = "echo_job" })
        .AddRunStatusSensor(new RunStatusSensorDefinition("doomed_failed", RunOutcome.Failure) { WatchJob = "doomed_job", Job = "echo_job" });

    /// <summary>Asks for runs k1 and k2 every time, and counts its evaluations in its cursor.</summary>
    private static ValueTask<SensorResult> KeyedAsync(SensorContext context)
    {
        var evaluations = int.Parse(context.Cursor ?? "0", CultureInfo.InvariantCulture) + 1;
        return ValueTask.FromResult(new SensorResult
        {
            RunRequests = [new SensorRunRequest("k1") { Tags = new Dictionary<string, string> { ["key"] = "k1" } }, new SensorRunRequest("k2") { Tags = new Dictionary<string, string> { ["key"] = "k2" } }],
            Cursor = evaluations.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Ignores its token, as careless user code does.</summary>
    private static async ValueTask<SensorResult> HangAsync(SensorContext context)
    {
        await Task.Delay(TimeSpan.FromSeconds(20), CancellationToken.None);
        return new SensorResult();
    }
}

public sealed class AutomationAssets
{
    [Asset(Group = "automation")]
    public static MaterializeResult Beacon() => new() { Metadata = { ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) } };

    [Asset(Group = "automation")]
    public static MaterializeResult Echo() => new();

    [Asset(Group = "automation")]
    public static MaterializeResult Doomed() => throw new InvalidOperationException("doomed, as its name says");
}
