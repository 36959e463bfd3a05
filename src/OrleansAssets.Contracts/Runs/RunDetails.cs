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
}

/// <summary>One step of a run (one asset), summarised from the run's events.</summary>
[GenerateSerializer, Alias("oa.StepSummary")]
public sealed record StepSummary
{
    [Id(0)] public required string AssetKey { get; init; }

    [Id(1)] public StepStatus Status { get; init; }

    [Id(2)] public int Attempts { get; init; }

    [Id(3)] public DateTimeOffset? StartedAt { get; init; }

    [Id(4)] public DateTimeOffset? EndedAt { get; init; }

    [Id(5)] public double? DurationMs { get; init; }

    [Id(6)] public StepError? Error { get; init; }
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
}

/// <summary>Which runs to list, newest first.</summary>
[GenerateSerializer, Alias("oa.RunQuery")]
public sealed record RunQuery
{
    [Id(0)] public List<RunStatus> Statuses { get; init; } = [];

    /// <summary>Only runs created before this time (the paging cursor of the previous page).</summary>
    [Id(1)] public DateTimeOffset? CreatedBefore { get; init; }

    [Id(2)] public int Limit { get; init; } = 50;
}
