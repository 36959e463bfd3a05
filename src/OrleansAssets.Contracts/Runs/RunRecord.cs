namespace OrleansAssets.Runs;

[GenerateSerializer, Alias("oa.RunStatus")]
public enum RunStatus
{
    Queued,
    Started,
    Success,
    Failure,
    Canceled,
}

/// <summary>A run as stored: what it selected, where it stands, when it moved.</summary>
[GenerateSerializer, Alias("oa.RunRecord")]
public sealed record RunRecord
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public RunStatus Status { get; init; }

    /// <summary>The selection as the user wrote it, for example <c>*</c> or <c>raw_sales_data+</c>.</summary>
    [Id(2)] public required string Selection { get; init; }

    /// <summary>The assets the selection resolved to, in the order the run plans them.</summary>
    [Id(3)] public List<string> AssetKeys { get; init; } = [];

    [Id(4)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(5)] public required DateTimeOffset CreatedAt { get; init; }

    [Id(6)] public DateTimeOffset? StartedAt { get; init; }

    [Id(7)] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Why the run failed, in one line.</summary>
    [Id(8)] public string? Error { get; init; }

    /// <summary>Its place among queued runs: higher first (the tag <c>oa/priority</c>), then first in first out.</summary>
    [Id(9)] public int Priority { get; init; }

    /// <summary>Who asked to cancel the run, once someone did; kept so a resumed run goes on canceling.</summary>
    [Id(10)] public string? CancelRequestedBy { get; init; }

    /// <summary>The job the run launched, if it was one.</summary>
    [Id(11)] public string? Job { get; init; }

    /// <summary>The ops the run runs besides its assets (a job's).</summary>
    [Id(12)] public List<string> Ops { get; init; } = [];

    /// <summary>The run config, as JSON: an object by step key. Each step gets its part.</summary>
    [Id(13)] public string? Config { get; init; }

    /// <summary>The key the run was made once for (a schedule's tick, a sensor's request), if any.</summary>
    [Id(14)] public string? RunKey { get; init; }

    /// <summary>The run this one re-executes, when it is a re-execution (kept as the tag <see cref="RunTags.ParentRun"/>, as Dagster does).</summary>
    public Guid? ParentRunId => RunTags.RunIdOf(Tags, RunTags.ParentRun);

    /// <summary>The first run of the chain of re-executions this one belongs to; its own id when it re-executes nothing.</summary>
    public Guid RootRunId => RunTags.RunIdOf(Tags, RunTags.RootRun) ?? RunId;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinished => Status is RunStatus.Success or RunStatus.Failure or RunStatus.Canceled;
}

/// <summary>What a client asks for when it starts a run.</summary>
[GenerateSerializer, Alias("oa.RunRequest")]
public sealed record RunRequest
{
    /// <summary>Which assets, in the selection syntax; with <see cref="Job"/>, the job's selection is used instead.</summary>
    [Id(0)] public string Selection { get; init; } = "";

    [Id(1)] public Dictionary<string, string> Tags { get; init; } = [];

    /// <summary>A job to launch by name (its selection, ops, tags, priority and default config).</summary>
    [Id(2)] public string? Job { get; init; }

    /// <summary>The run config, as JSON: an object by step key, each the step's config fields.</summary>
    [Id(3)] public string? Config { get; init; }

    /// <summary>A key the run is made once for (a schedule's tick, a sensor's request): a second submit with it makes no run.</summary>
    [Id(4)] public string? RunKey { get; init; }

    /// <summary>The tick of a schedule or sensor that made the run, recorded with it in one write.</summary>
    [Id(5)] public TickSubmission? Tick { get; init; }

    /// <summary>Re-executes a finished run: its job, config and tags, for all its steps or from failure.</summary>
    [Id(6)] public Reexecution? Reexecute { get; init; }
}

/// <summary>Which schedule or sensor tick a run belongs to.</summary>
[GenerateSerializer, Alias("oa.TickSubmission")]
public sealed record TickSubmission
{
    /// <summary><c>schedule</c> or <c>sensor</c>.</summary>
    [Id(0)] public required string Kind { get; init; }

    [Id(1)] public required string Name { get; init; }

    [Id(2)] public required DateTimeOffset At { get; init; }

    /// <summary>A sensor's new cursor, kept with the tick.</summary>
    [Id(3)] public string? Cursor { get; init; }

    [Id(4)] public string? Message { get; init; }
}

/// <summary>Who cancels a run, and why: recorded in its events.</summary>
[GenerateSerializer, Alias("oa.CancelRequest")]
public sealed record CancelRequest
{
    /// <summary>Who asked, for example <c>oa (alice@laptop)</c> or <c>the API (10.0.0.7)</c>.</summary>
    [Id(0)] public required string By { get; init; }

    [Id(1)] public string? Reason { get; init; }
}

/// <summary>What a re-execution runs again of its parent run.</summary>
[GenerateSerializer, Alias("oa.Reexecution")]
public sealed record Reexecution
{
    [Id(0)] public required Guid ParentRunId { get; init; }

    /// <summary>
    /// Only the steps that failed, were canceled or did not run, with the values the parent run (or the runs it
    /// re-executed) materialized for the rest; false: every step of the parent.
    /// </summary>
    [Id(1)] public bool FromFailure { get; init; }
}

/// <summary>The tag whose integer value orders queued runs, higher first.</summary>
public static class RunTags
{
    public const string Priority = "oa/priority";

    /// <summary>On a re-execution: the run it re-executes, the first run of its chain, and how (<c>all</c> or <c>from_failure</c>).</summary>
    public const string ParentRun = "oa/parent_run_id";

    public const string RootRun = "oa/root_run_id";

    public const string ReexecutionStrategy = "oa/reexecution";

    public static Guid? RunIdOf(IReadOnlyDictionary<string, string> tags, string tag) =>
        tags.TryGetValue(tag, out var text) && Guid.TryParse(text, out var id) ? id : null;

    /// <summary>The schedule whose tick made the run, and the tick (in the schedule's zone).</summary>
    public const string Schedule = "oa/schedule";

    public const string Tick = "oa/tick";

    /// <summary>The sensor that asked for the run, and the key it asked with.</summary>
    public const string Sensor = "oa/sensor";

    public const string SensorRunKey = "oa/run-key";

    /// <summary>The run's priority from its tags: 0 when not given.</summary>
    /// <exception cref="AssetSelectionException">Never; see <see cref="TryPriority"/> for validation.</exception>
    public static int PriorityOf(IReadOnlyDictionary<string, string> tags) => TryPriority(tags, out var priority, out _) ? priority : 0;

    public static bool TryPriority(IReadOnlyDictionary<string, string> tags, out int priority, out string? problem)
    {
        priority = 0;
        problem = null;
        if (!tags.TryGetValue(Priority, out var text))
        {
            return true;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out priority))
        {
            return true;
        }

        problem = $"tag {Priority} must be a whole number (higher runs first); {UserText.Quote(text)} is not.";
        return false;
    }
}
