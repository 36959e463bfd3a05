using OrleansAssets.Execution;

namespace OrleansAssets.Assets;

/// <summary>
/// One asset: owns its materialization state and tells its downstream assets when it changes so they know they
/// are stale. Runs may materialize it concurrently; each run's materialization is recorded once.
/// </summary>
/// <remarks>
/// No call to it waits long: a run asks for a step's outcome and gets an answer within seconds, the outcome or
/// "not yet", and asks again. Long waits would pin activations to a silo that is stopping; short ones let every
/// activation move at any time, and whichever activation answers rebuilds what it needs from the step's record.
/// </remarks>
[Alias("oa.IAssetGrain")]
public interface IAssetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Materializes the asset for a run, or follows the attempt already under way for that run, or returns the
    /// outcome already recorded. Answers as soon as the outcome is known or an attempt newer than the caller knows
    /// has started, and otherwise within a few seconds: the caller asks again, passing what it was told.
    /// </summary>
    /// <remarks>
    /// Idempotent per run: asking again never starts a second attempt while one is alive. An attempt is taken
    /// for lost only when the silo running it is dead by the cluster's membership.
    /// </remarks>
    [AlwaysInterleave]
    [Alias("Materialize")]
    Task<StepProgress> Materialize(MaterializeRequest request);

    /// <summary>
    /// The executor of an attempt hands over what the user's code produced; the asset grain records it with its
    /// state in one write and returns once it is durable. Idempotent: an outcome recorded already is acknowledged.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Not recorded yet: the executor keeps the outcome and hands it over again.</exception>
    /// <remarks>While the storage is away a write is retried for up to the store's write retry timeout first.</remarks>
    [ResponseTimeout("00:02:00")]
    [AlwaysInterleave]
    [Alias("RecordOutcome")]
    Task RecordOutcome(StepReport report);

    /// <summary>
    /// The run is being canceled: the step starts no attempt, and a running attempt's cancellation token fires; it ends
    /// canceled when its code stops, or after the grace period when it does not.
    /// </summary>
    [AlwaysInterleave]
    [Alias("CancelStep")]
    Task CancelStep(Guid runId, string by);

    [AlwaysInterleave]
    [Alias("GetState")]
    Task<AssetState> GetState();

    /// <summary>
    /// Records a materialization of this external asset made outside OrleansAssets, once per
    /// <see cref="MaterializationReport.ReportId"/> (a retry returns the record made the first time), and tells its
    /// downstream assets and asset sensors as a run's materialization does.
    /// </summary>
    /// <exception cref="NotFoundException">No asset has this key.</exception>
    /// <exception cref="NotExternalAssetException">The asset is not external: runs materialize it.</exception>
    [Alias("ReportMaterialization")]
    Task<MaterializationRecord> ReportMaterialization(MaterializationReport report);

    /// <summary>An upstream asset was materialized by <paramref name="runId"/>.</summary>
    [AlwaysInterleave]
    [Alias("OnUpstreamMaterialized")]
    Task OnUpstreamMaterialized(string upstreamKey, Guid runId);
}

/// <summary>A materialization of an external asset, made elsewhere and reported.</summary>
[GenerateSerializer, Alias("oa.MaterializationReport")]
public sealed record MaterializationReport
{
    /// <summary>Makes the report once: a retry with the same id records nothing new. The record's run id.</summary>
    [Id(0)] public required Guid ReportId { get; init; }

    [Id(1)] public Dictionary<string, MetadataValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The producer's version of the data; when null, one is derived from the metadata.</summary>
    [Id(2)] public string? DataVersion { get; init; }
}

/// <summary>A run asks an asset grain to materialize its asset.</summary>
[GenerateSerializer, Alias("oa.MaterializeRequest")]
public sealed record MaterializeRequest
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(2)] public required AssetSpec Spec { get; init; }

    /// <summary>Upstream keys materialized earlier in this run: their values come from this run, not the latest.</summary>
    [Id(3)] public List<string> UpstreamInRun { get; init; } = [];

    /// <summary>
    /// The step may have been started before (the run resumed, or asks again after a broken call): look up its
    /// record before starting an attempt. A first request of a new run skips that read.
    /// </summary>
    [Id(5)] public bool MayHaveStarted { get; init; }

    /// <summary>
    /// With <see cref="MayHaveStarted"/> on a resumed run: when the run resumed from its records. An attempt started
    /// without a record began before then, so its start is stored a flush interval after it at the latest, and a step
    /// asked later needs no wait for it. Null: it may have begun just now.
    /// </summary>
    [Id(12)] public DateTimeOffset? UnrecordedStartsBefore { get; init; }

    /// <summary>The step's part of the run config, as JSON, when it has one.</summary>
    [Id(8)] public string? Config { get; init; }

    /// <summary>The attempt this caller was last told of, and its silo: a fresh activation follows it when the record lags.</summary>
    [Id(6)] public int KnownAttempt { get; init; }

    [Id(7)] public string? KnownSilo { get; init; }

    /// <summary>Of a multi-asset's step: the outputs the run selected, this asset (the one that runs the step) among them.</summary>
    [Id(9)] public List<string> Outputs { get; init; } = [];

    /// <summary>
    /// This asset is an output of a multi-asset whose step ran as <see cref="Lead"/>'s: it starts nothing, and answers
    /// with what that step recorded for it.
    /// </summary>
    [Id(10)] public string? Lead { get; init; }

    /// <summary>
    /// Upstream keys whose materialization is that of the given run rather than the latest: a re-execution reuses
    /// what its parent run materialized.
    /// </summary>
    [Id(11)] public Dictionary<string, Guid> PinnedUpstream { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>Where a run's step stands: its outcome, or the attempt running now and where.</summary>
[GenerateSerializer, Alias("oa.StepProgress")]
public sealed record StepProgress
{
    [Id(0)] public StepOutcome? Outcome { get; init; }

    [Id(1)] public int Attempt { get; init; }

    [Id(2)] public string? Silo { get; init; }
}

[GenerateSerializer, Alias("oa.StepOutcome")]
public sealed record StepOutcome
{
    [Id(0)] public required bool Succeeded { get; init; }

    [Id(1)] public MaterializationRecord? Materialization { get; init; }

    [Id(2)] public StepError? Error { get; init; }

    /// <summary>The outcome was recorded before this request: nothing new was recorded for it.</summary>
    [Id(3)] public bool AlreadyRecorded { get; init; }

    /// <summary>The step was canceled with its run (neither succeeded nor failed).</summary>
    [Id(4)] public bool Canceled { get; init; }
}
