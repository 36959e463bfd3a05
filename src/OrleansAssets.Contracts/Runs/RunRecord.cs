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

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinished => Status is RunStatus.Success or RunStatus.Failure or RunStatus.Canceled;
}

/// <summary>What a client asks for when it starts a run.</summary>
[GenerateSerializer, Alias("oa.RunRequest")]
public sealed record RunRequest
{
    [Id(0)] public required string Selection { get; init; }

    [Id(1)] public Dictionary<string, string> Tags { get; init; } = [];
}
