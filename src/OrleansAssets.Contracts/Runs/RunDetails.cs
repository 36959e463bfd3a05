using OrleansAssets.Assets;

namespace OrleansAssets.Runs;

[GenerateSerializer, Alias("oa.StepStatus")]
public enum StepStatus
{
    Pending,
    Running,
    Success,
    Failure,
    Skipped,

    /// <summary>Its run was canceled while it ran (or before it could start).</summary>
    Canceled,
}

/// <summary>One step of a run (one asset): where it stands, as the run storage records it with each of its events.</summary>
[GenerateSerializer, Alias("oa.StepSummary")]
public sealed record StepSummary
{
    [Id(0)] public required string AssetKey { get; init; }

    [Id(1)] public StepStatus Status { get; init; }

    [Id(2)] public int Attempts { get; init; }

    [Id(3)] public DateTimeOffset? StartedAt { get; init; }

    [Id(4)] public DateTimeOffset? EndedAt { get; init; }

    [Id(5)] public double? DurationMs { get; init; }

    /// <summary>The latest error: why the step failed, or why its last attempt was lost while it is retried.</summary>
    [Id(6)] public StepError? Error { get; init; }

    /// <summary>The silo running (or that ran) the current attempt.</summary>
    [Id(7)] public string? Silo { get; init; }

    /// <summary>An asset's step, or an op's.</summary>
    [Id(8)] public Assets.StepKind Kind { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinished => Status is StepStatus.Success or StepStatus.Failure or StepStatus.Skipped or StepStatus.Canceled;
}

/// <summary>A run with its steps and a page of its events.</summary>
[GenerateSerializer, Alias("oa.RunDetails")]
public sealed record RunDetails
{
    [Id(0)] public required RunRecord Run { get; init; }

    [Id(1)] public List<StepSummary> Steps { get; init; } = [];

    [Id(2)] public List<RunEvent> Events { get; init; } = [];

    /// <summary>Pass as <c>afterSequence</c> to read the events that follow this page.</summary>
    [Id(3)] public long NextCursor { get; init; }

    /// <summary>For a queued run: its place in the queue, 1 being the next to start.</summary>
    [Id(4)] public int? QueuePosition { get; init; }
}

/// <summary>Which runs to list, newest first.</summary>
[GenerateSerializer, Alias("oa.RunQuery")]
public sealed record RunQuery
{
    [Id(0)] public List<RunStatus> Statuses { get; init; } = [];

    /// <summary>Only runs created before this time (the paging cursor of the previous page).</summary>
    [Id(1)] public DateTimeOffset? CreatedBefore { get; init; }

    [Id(2)] public int Limit { get; init; } = 50;

    /// <summary>With <see cref="CreatedBefore"/>: runs created at that very time sort after this id, so a page never splits a tie.</summary>
    [Id(3)] public Guid? Before { get; init; }

    /// <summary>Only runs with these tags (each key with its value).</summary>
    [Id(4)] public Dictionary<string, string> Tags { get; init; } = [];

    /// <summary>Only runs that selected this asset.</summary>
    [Id(5)] public string? AssetKey { get; init; }
}
