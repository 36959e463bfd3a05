using OrleansAssets.Runs;

namespace OrleansAssets.Automation;

[GenerateSerializer, Alias("oa.AutomationStatus")]
public enum AutomationStatus
{
    Stopped,
    Running,
}

[GenerateSerializer, Alias("oa.AutomationKind")]
public enum AutomationKind
{
    Schedule,
    Sensor,
}

[GenerateSerializer, Alias("oa.SensorKind")]
public enum SensorKind
{
    /// <summary>A function evaluated on an interval.</summary>
    Function,

    /// <summary>Fired by materializations of given assets.</summary>
    Asset,

    /// <summary>Fired when runs end with a given status.</summary>
    RunStatus,
}

[GenerateSerializer, Alias("oa.MisfirePolicy")]
public enum Misfire
{
    RunLatest,
    RunAll,
    Skip,
}

/// <summary>A schedule as the cluster knows it.</summary>
[GenerateSerializer, Alias("oa.ScheduleSpec")]
public sealed record ScheduleSpec
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public required string Cron { get; init; }

    [Id(2)] public string TimeZone { get; init; } = "UTC";

    [Id(3)] public string? Job { get; init; }

    [Id(4)] public string? Selection { get; init; }

    [Id(5)] public string? Description { get; init; }

    [Id(6)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(7)] public AutomationStatus DefaultStatus { get; init; }

    [Id(8)] public Misfire Misfire { get; init; }

    [Id(9)] public int MaxMisfireRuns { get; init; } = 100;

    [Id(10)] public string? Config { get; init; }

    [Id(11)] public required string CodeLocation { get; init; }
}

/// <summary>A sensor as the cluster knows it.</summary>
[GenerateSerializer, Alias("oa.SensorSpec")]
public sealed record SensorSpec
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public SensorKind Kind { get; init; }

    [Id(2)] public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    [Id(3)] public string? Job { get; init; }

    [Id(4)] public string? Selection { get; init; }

    [Id(5)] public string? Description { get; init; }

    [Id(6)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(7)] public AutomationStatus DefaultStatus { get; init; }

    /// <summary>The assets an asset sensor watches.</summary>
    [Id(8)] public List<string> Assets { get; init; } = [];

    /// <summary>The job a run-status sensor watches (any run when null), and the outcome it fires on.</summary>
    [Id(9)] public string? WatchJob { get; init; }

    [Id(10)] public RunStatus? WatchStatus { get; init; }

    [Id(11)] public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    [Id(12)] public required string CodeLocation { get; init; }

    /// <summary>The sensor grain's key: its code location and its name, so it lives where its function is loaded.</summary>
    public string GrainKey => $"{CodeLocation}/{Name}";
}

[GenerateSerializer, Alias("oa.TickStatus")]
public enum TickStatus
{
    /// <summary>It made runs (their ids are on the tick).</summary>
    Started,

    /// <summary>It made no run, and says why.</summary>
    Skipped,

    /// <summary>Its evaluation (or its runs' submission) failed; the error is on the tick.</summary>
    Failed,
}

/// <summary>One tick of a schedule (at its scheduled time) or of a sensor (at its evaluation).</summary>
[GenerateSerializer, Alias("oa.TickRecord")]
public sealed record TickRecord
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public required DateTimeOffset At { get; init; }

    [Id(2)] public TickStatus Status { get; init; }

    [Id(3)] public List<Guid> RunIds { get; init; } = [];

    [Id(4)] public string? Message { get; init; }

    /// <summary>A sensor's cursor after the tick.</summary>
    [Id(5)] public string? Cursor { get; init; }

    /// <summary>When the tick was recorded (a schedule's lateness is this minus <see cref="At"/>).</summary>
    [Id(6)] public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>A schedule or sensor with its live status, for lists.</summary>
[GenerateSerializer, Alias("oa.AutomationInfo")]
public sealed record AutomationInfo
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public AutomationStatus Status { get; init; }

    [Id(2)] public required string CodeLocation { get; init; }

    [Id(3)] public string? Job { get; init; }

    [Id(4)] public string? Selection { get; init; }

    [Id(5)] public string? Description { get; init; }

    /// <summary>A schedule's cron and zone, or a sensor's kind and interval.</summary>
    [Id(6)] public string? Cron { get; init; }

    [Id(7)] public string? TimeZone { get; init; }

    [Id(8)] public SensorKind? SensorKind { get; init; }

    [Id(9)] public TimeSpan? Interval { get; init; }

    /// <summary>A schedule's next ticks (in its zone), when running.</summary>
    [Id(10)] public List<DateTimeOffset> NextTicks { get; init; } = [];

    [Id(11)] public TickRecord? LastTick { get; init; }

    [Id(12)] public List<string> Assets { get; init; } = [];

    [Id(13)] public string? Cursor { get; init; }
}

/// <summary>A schedule: starts and stops (persisted), and ticks on its cron from a durable reminder and a timer.</summary>
[Alias("oa.IScheduleGrain")]
public interface IScheduleGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task<AutomationInfo> Start(string by);

    [Alias("Stop")]
    Task<AutomationInfo> Stop(string by);

    [AlwaysInterleave]
    [Alias("Get")]
    Task<AutomationInfo> Get();

    /// <summary>Wakes it (after a silo loss or a catalog change): a running schedule makes up missed ticks by its policy.</summary>
    [Alias("Poke")]
    Task Poke();

    /// <summary>Its ticks, newest first, before <paramref name="before"/> when given.</summary>
    [AlwaysInterleave]
    [Alias("GetTicks")]
    Task<List<TickRecord>> GetTicks(DateTimeOffset? before, int limit);
}

/// <summary>A sensor: evaluated on its interval (function sensors) or fired by the grains it watches (asset and run-status sensors).</summary>
[Alias("oa.ISensorGrain")]
public interface ISensorGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task<AutomationInfo> Start(string by);

    [Alias("Stop")]
    Task<AutomationInfo> Stop(string by);

    [AlwaysInterleave]
    [Alias("Get")]
    Task<AutomationInfo> Get();

    [Alias("Poke")]
    Task Poke();

    [AlwaysInterleave]
    [Alias("GetTicks")]
    Task<List<TickRecord>> GetTicks(DateTimeOffset? before, int limit);

    /// <summary>An asset it watches was materialized by a run.</summary>
    [OneWay]
    [Alias("OnMaterialized")]
    Task OnMaterialized(string assetKey, Guid runId);

    /// <summary>A run ended.</summary>
    [OneWay]
    [Alias("OnRunEnded")]
    Task OnRunEnded(Guid runId, RunStatus status, string? job);
}
