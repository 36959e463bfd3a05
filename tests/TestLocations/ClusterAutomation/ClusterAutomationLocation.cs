using System.Globalization;
using OrleansAssets;

[assembly: CodeLocation(typeof(ClusterAutomation.ClusterAutomationLocation), Name = "cluster_automation")]

namespace ClusterAutomation;

/// <summary>
/// Loaded besides the sales example by every silo of a test cluster (OrleansAssets:CodeLocations:1): a schedule
/// every two seconds and a sensor every second, both running by default, so their grains live somewhere a test
/// can kill; and a slow asset whose runs a tag limit or a cancel can hold.
/// </summary>
public sealed class ClusterAutomationLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<ClusterAutomationAssets>()
        .AddJob(new JobDefinition("tick_job") { Selection = "tick_mark" })
        .AddSchedule(new ScheduleDefinition("every_two_seconds", "*/2 * * * * *") { Job = "tick_job", DefaultStatus = DefaultStatus.Running })
        .AddSensor(new SensorDefinition("counter", CountAsync) { Job = "tick_job", Interval = TimeSpan.FromSeconds(1), DefaultStatus = DefaultStatus.Running });

    /// <summary>Counts its evaluations in its cursor and asks for key c{n / 3}: each key is asked for three times in a row.</summary>
    private static ValueTask<SensorResult> CountAsync(SensorContext context)
    {
        var evaluations = int.Parse(context.Cursor ?? "0", CultureInfo.InvariantCulture) + 1;
        var key = $"c{evaluations / 3}";
        return ValueTask.FromResult(new SensorResult
        {
            RunRequests = [new SensorRunRequest(key) { Tags = new Dictionary<string, string> { ["counter/key"] = key, ["counter/evaluation"] = evaluations.ToString(CultureInfo.InvariantCulture) } }],
            Cursor = evaluations.ToString(CultureInfo.InvariantCulture),
        });
    }
}

public sealed class ClusterAutomationAssets
{
    [Asset(Group = "cluster_automation")]
    public static MaterializeResult TickMark() => new();

    /// <summary>Takes a while and honours its token, for tag limits and cancellation.</summary>
    [Asset(Group = "cluster_automation")]
    public static async Task<MaterializeResult> SlowLane(AssetContext context)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(400), context.CancellationToken);
        return new MaterializeResult();
    }

    /// <summary>Runs until canceled.</summary>
    [Asset(Group = "cluster_automation")]
    public static async Task<MaterializeResult> Endless(AssetContext context)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        return new MaterializeResult();
    }
}
