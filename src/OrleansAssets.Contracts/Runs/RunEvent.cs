using Microsoft.Extensions.Logging;
using OrleansAssets.Assets;

namespace OrleansAssets.Runs;

/// <summary>The kinds of entries in a run's event log.</summary>
[GenerateSerializer, Alias("oa.RunEventType")]
public enum RunEventType
{
    RunQueued,
    RunStarted,
    RunSuccess,
    RunFailure,
    RunCanceled,
    StepStarted,
    StepSucceeded,
    StepFailed,
    StepSkipped,
    /// <summary>A step cannot start yet, for example because no silo loads its code location.</summary>
    StepWaiting,
    Materialization,
    Log,

    /// <summary>A step stopped because its run was canceled.</summary>
    StepCanceled,

    /// <summary>Someone asked to cancel the run; its running steps are being stopped.</summary>
    RunCanceling,
}

/// <summary>One entry of a run's ordered event log.</summary>
[GenerateSerializer, Alias("oa.RunEvent")]
public sealed record RunEvent
{
    /// <summary>The position in the log; events of one run are ordered by it and it is the paging cursor.</summary>
    [Id(0)] public long Sequence { get; init; }

    [Id(1)] public required Guid RunId { get; init; }

    [Id(2)] public required DateTimeOffset Timestamp { get; init; }

    [Id(3)] public required RunEventType Type { get; init; }

    [Id(4)] public string? AssetKey { get; init; }

    [Id(5)] public string? Message { get; init; }

    /// <summary>The level of a <see cref="RunEventType.Log"/> line.</summary>
    [Id(6)] public LogLevel? Level { get; init; }

    /// <summary>The metadata of a <see cref="RunEventType.Materialization"/>.</summary>
    [Id(7)] public Dictionary<string, MetadataValue>? Metadata { get; init; }

    [Id(8)] public StepError? Error { get; init; }

    [Id(9)] public int? Attempt { get; init; }

    [Id(10)] public double? DurationMs { get; init; }

    /// <summary>The data version of a <see cref="RunEventType.Materialization"/>.</summary>
    [Id(11)] public string? DataVersion { get; init; }

    /// <summary>On a <see cref="RunEventType.StepFailed"/>: the attempt was lost and the step will be tried again.</summary>
    [Id(12)] public bool WillRetry { get; init; }

    /// <summary>On a step's events: the silo that ran the attempt (<c>host:port@generation</c>).</summary>
    [Id(13)] public string? Silo { get; init; }
}
