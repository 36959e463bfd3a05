namespace OrleansAssets.Assets;

/// <summary>One successful materialization of an asset: by a run, or reported for an external asset (<see cref="Reported"/>).</summary>
[GenerateSerializer, Alias("oa.MaterializationRecord")]
public sealed record MaterializationRecord
{
    [Id(0)] public required string AssetKey { get; init; }

    [Id(1)] public required Guid RunId { get; init; }

    [Id(2)] public required DateTimeOffset Timestamp { get; init; }

    [Id(3)] public double DurationMs { get; init; }

    [Id(4)] public required string DataVersion { get; init; }

    [Id(5)] public Dictionary<string, MetadataValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    /// <summary>For each upstream asset, the run whose materialization this one consumed; staleness compares against it.</summary>
    [Id(6)] public Dictionary<string, Guid> ConsumedUpstream { get; init; } = new(StringComparer.Ordinal);

    [Id(7)] public string? CodeLocation { get; init; }

    [Id(8)] public int Attempt { get; init; } = 1;

    /// <summary>Where the IO manager stored the value, when the asset returned one.</summary>
    [Id(9)] public string? ValueLocation { get; init; }

    /// <summary>The asset's code version the materialization ran with; null when its code declared none.</summary>
    [Id(10)] public string? CodeVersion { get; init; }

    /// <summary>
    /// For each upstream in <see cref="ConsumedUpstream"/>, the code version of the materialization consumed (null for
    /// none): it stays stale for an upstream's code change until it consumes the upstream's new code's output.
    /// </summary>
    [Id(11)] public Dictionary<string, string?> UpstreamCodeVersions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Reported for an external asset, not made by a run: <see cref="RunId"/> is then the report's id (no run has
    /// it), which keys the record like a run's id so a retried report is recorded once.
    /// </summary>
    [Id(12)] public bool Reported { get; init; }
}

/// <summary>Why a step failed: the user's exception, or a lost attempt.</summary>
[GenerateSerializer, Alias("oa.StepError")]
public sealed record StepError
{
    [Id(0)] public required string Type { get; init; }

    [Id(1)] public required string Message { get; init; }

    [Id(2)] public string? StackTrace { get; init; }

    /// <summary>True when the user's code threw; false when the runtime failed (a silo died, a value could not be loaded).</summary>
    [Id(3)] public bool FromUserCode { get; init; }

    public static StepError FromException(Exception exception, bool fromUserCode) => new()
    {
        Type = exception.GetType().FullName ?? exception.GetType().Name,
        Message = exception.Message,
        StackTrace = exception.StackTrace,
        FromUserCode = fromUserCode,
    };

    public override string ToString() => $"{Type}: {Message}";
}

/// <summary>The latest failed attempt to materialize an asset.</summary>
[GenerateSerializer, Alias("oa.FailureRecord")]
public sealed record FailureRecord
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public required DateTimeOffset Timestamp { get; init; }

    [Id(2)] public required StepError Error { get; init; }
}
