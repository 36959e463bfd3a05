using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Storage;

/// <summary>
/// One atomic write to the run storage: events of one run, and with them, when given, the run's new record,
/// an asset's materialization, the start of an asset's step, or an asset's failure. A step's outcome is one write,
/// so it costs one commit (or a share of one, when the store batches concurrent writes).
/// </summary>
public sealed record RunWrite(Guid RunId)
{
    public IReadOnlyList<RunEvent> Events { get; init; } = [];

    /// <summary>The run's record as it now stands (created on the first write).</summary>
    public RunRecord? Run { get; init; }

    /// <summary>
    /// Recorded at most once per run and asset: when the run already recorded one for the asset, this write's
    /// <see cref="RunEventType.Materialization"/> event is dropped with it and the result says so.
    /// </summary>
    public MaterializationRecord? Materialization { get; init; }

    /// <summary>An asset whose step starts now in this run.</summary>
    public string? StepStarted { get; init; }

    /// <summary>An asset whose step failed for good in this run.</summary>
    public (string AssetKey, FailureRecord Failure)? StepFailure { get; init; }

    /// <summary>
    /// The asset grain's new state, written in the same transaction as the rest, if the stored version is still
    /// <see cref="AssetStateWrite.ExpectedVersion"/>; otherwise the whole write fails with
    /// <see cref="AssetStateConflictException"/>. Skipped, with the materialization, when the run had recorded one already.
    /// </summary>
    public AssetStateWrite? AssetState { get; init; }
}

/// <summary>An asset grain's state to store, and the version it was read at (null: never stored).</summary>
public sealed record AssetStateWrite(string AssetKey, int? ExpectedVersion, Assets.AssetGrainState State);

/// <summary>An asset grain's stored state and its version.</summary>
public sealed record StoredAssetState(Assets.AssetGrainState State, int Version);

public readonly record struct RunWriteResult(bool MaterializationRecorded, int? AssetStateVersion = null);

/// <summary>What the run storage knows of one asset's latest activity, for listings that must not wake every asset grain.</summary>
public sealed record AssetActivity(string AssetKey, MaterializationRecord? LatestMaterialization, FailureRecord? LatestFailure, Guid? RunningIn);

/// <summary>Appends to run event logs; the part of the storage that steps and loggers need.</summary>
public interface IRunEventWriter
{
    /// <summary>Writes durably: the task completes once the write is committed.</summary>
    Task<RunWriteResult> AppendAsync(RunWrite write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes soon, in order with this silo's other writes: it joins the next durable write's commit, or is
    /// committed on its own within a fraction of a second. For what nothing depends on (a step started, log lines).
    /// </summary>
    void AppendSoon(RunWrite write);
}

/// <summary>
/// Runs, their ordered event logs and every materialization: the seam between the grains and a database.
/// The in-memory store serves dev mode and fast tests; the Postgres store serves clusters.
/// </summary>
public interface IRunStore : IRunEventWriter
{
    Task<RunRecord?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Runs newest first, filtered by status and paged by creation time.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>A run's events after <paramref name="afterSequence"/>, in order; logs left out unless asked for.</summary>
    Task<IReadOnlyList<RunEvent>> GetEventsAsync(Guid runId, long afterSequence, int limit, bool includeLogs = true, CancellationToken cancellationToken = default);

    /// <summary>An asset's materializations newest first, paged by time.</summary>
    Task<IReadOnlyList<MaterializationRecord>> ListMaterializationsAsync(string assetKey, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default);

    Task<MaterializationRecord?> FindMaterializationAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default);

    /// <summary>The latest activity of the given assets (all of them when null); assets with none are left out.</summary>
    Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsync(IReadOnlyCollection<string>? assetKeys, CancellationToken cancellationToken = default);

    /// <summary>The asset grain's stored state, or null when it has none yet.</summary>
    Task<StoredAssetState?> GetAssetStateAsync(string assetKey, CancellationToken cancellationToken = default);
}
