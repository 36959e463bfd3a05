using Microsoft.Extensions.Logging;

namespace OrleansAssets;

/// <summary>Whether a schedule or sensor runs when nobody has started or stopped it yet.</summary>
public enum DefaultStatus
{
    Stopped,
    Running,
}

/// <summary>What a schedule does with the ticks it missed while the cluster was down.</summary>
public enum MisfirePolicy
{
    /// <summary>One run for the newest missed tick; the others are recorded as skipped.</summary>
    RunLatest,

    /// <summary>A run for every missed tick, up to <see cref="ScheduleDefinition.MaxMisfireRuns"/>.</summary>
    RunAll,

    /// <summary>No run for a missed tick; each is recorded as skipped.</summary>
    Skip,
}

/// <summary>
/// A schedule, Dagster's <c>ScheduleDefinition</c>: a cron expression in a time zone, and what each tick runs (a job,
/// or a selection). Each tick makes exactly one run across the cluster.
/// </summary>
/// <param name="Name">Unique in the cluster; letters, digits and '_'.</param>
/// <param name="Cron">5 fields, or 6 with seconds first, or a macro such as <c>@daily</c> (Cronos's syntax).</param>
public sealed record ScheduleDefinition(string Name, string Cron)
{
    /// <summary>An IANA time zone (<c>Asia/Tokyo</c>); UTC when not set. Daylight saving follows Cronos's rules.</summary>
    public string TimeZone { get; init; } = "UTC";

    public string? Job { get; init; }

    /// <summary>Instead of a job, a selection of assets.</summary>
    public string? Selection { get; init; }

    public string? Description { get; init; }

    /// <summary>Tags of every run it makes (besides <c>oa/schedule</c> and <c>oa/tick</c>).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public DefaultStatus DefaultStatus { get; init; } = DefaultStatus.Stopped;

    public MisfirePolicy Misfire { get; init; } = MisfirePolicy.RunLatest;

    public int MaxMisfireRuns { get; init; } = 100;

    /// <summary>The run config of its runs (see <see cref="JobDefinition.DefaultConfig"/>); the job's when not set.</summary>
    public object? Config { get; init; }
}

/// <summary>
/// A sensor, Dagster's <c>@sensor</c>: a function evaluated every <see cref="Interval"/> that returns run requests and
/// a new cursor. A run key is never run twice; the cursor is kept; an evaluation that throws or hangs is recorded on
/// its tick and the sensor goes on.
/// </summary>
public sealed record SensorDefinition(string Name, Func<SensorContext, ValueTask<SensorResult>> Evaluate)
{
    /// <summary>How often it is evaluated (1 s at least); 30 s when not set.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What its run requests run unless they say otherwise: a job, or a selection.</summary>
    public string? Job { get; init; }

    public string? Selection { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Stopped unless said otherwise, as in Dagster: a deployment starts what it means to run.</summary>
    public DefaultStatus DefaultStatus { get; init; } = DefaultStatus.Stopped;

    /// <summary>How long an evaluation may take before it is recorded as failed (timed out).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A sensor fired by materializations of <see cref="Assets"/>, pushed by their asset grains as they are recorded
/// (no polling): each materialization queues one run of <see cref="SensorDefinition.Job"/> or the selection.
/// </summary>
public sealed record AssetSensorDefinition(string Name, IReadOnlyList<string> Assets)
{
    public string? Job { get; init; }

    public string? Selection { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Stopped unless said otherwise, as in Dagster: a deployment starts what it means to run.</summary>
    public DefaultStatus DefaultStatus { get; init; } = DefaultStatus.Stopped;
}

/// <summary>A sensor fired when runs of <see cref="WatchJob"/> (or any run, when not set) end with <see cref="Status"/>.</summary>
public sealed record RunStatusSensorDefinition(string Name, RunOutcome Status)
{
    public string? WatchJob { get; init; }

    public string? Job { get; init; }

    public string? Selection { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Stopped unless said otherwise, as in Dagster: a deployment starts what it means to run.</summary>
    public DefaultStatus DefaultStatus { get; init; } = DefaultStatus.Stopped;
}

/// <summary>How a run ended, for run-status sensors.</summary>
public enum RunOutcome
{
    Success,
    Failure,
    Canceled,
}

/// <summary>What a sensor's function gets: its cursor, a logger, the time, a token.</summary>
public sealed class SensorContext(string name, string? cursor, ILogger log, DateTimeOffset now, IServiceProvider services, CancellationToken cancellationToken)
{
    /// <summary>The code location's services (its resources and configuration).</summary>
    public IServiceProvider Services { get; } = services;

    public string Name { get; } = name;

    /// <summary>What the last evaluation returned as its cursor (null the first time).</summary>
    public string? Cursor { get; } = cursor;

    /// <summary>Writes to the silo's log under the sensor's name.</summary>
    public ILogger Log { get; } = log;

    public DateTimeOffset Now { get; } = now;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}

/// <summary>What a sensor's evaluation returns: runs to request, its new cursor, or why it requests none.</summary>
public sealed record SensorResult
{
    public IReadOnlyList<SensorRunRequest> RunRequests { get; init; } = [];

    /// <summary>Kept and given to the next evaluation; unchanged when null.</summary>
    public string? Cursor { get; init; }

    public string? SkipReason { get; init; }
}

/// <summary>One run a sensor asks for. Its <see cref="RunKey"/> is run once ever: asking again does nothing.</summary>
public sealed record SensorRunRequest(string RunKey)
{
    /// <summary>A job to run instead of the sensor's target.</summary>
    public string? Job { get; init; }

    /// <summary>A selection to run instead of the sensor's target.</summary>
    public string? Selection { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The run config (see <see cref="JobDefinition.DefaultConfig"/>).</summary>
    public object? Config { get; init; }
}
