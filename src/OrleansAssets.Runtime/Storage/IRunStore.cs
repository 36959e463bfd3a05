using OrleansAssets.Assets;
using OrleansAssets.Runs;

namespace OrleansAssets.Storage;

/// <summary>
/// One atomic write to the run storage: events of one run, and with them, when given, the run's new record, a
/// step's transition, an asset's materialization and the asset grain's new state. A step's outcome is one write,
/// so it costs one commit (or a share of one, when the store batches concurrent writes).
/// </summary>
/// <remarks>
/// A write is applied whole or not at all (<see cref="RunWriteResult.Applied"/>): it is refused when its run is
/// finished already, when its step transition is not allowed from the step's recorded state
/// (<see cref="StepTransitionRules"/>), or when its materialization was recorded before. That is what makes a
/// handed-over outcome, a late write of a stopped grain or a retried write land exactly once.
/// </remarks>
public sealed record RunWrite(Guid RunId)
{
    public IReadOnlyList<RunEvent> Events { get; init; } = [];

    /// <summary>The run's record as it now stands (created on the first write). Refused once the stored run is finished.</summary>
    public RunRecord? Run { get; init; }

    /// <summary>A step of the run moves on: started, lost an attempt, succeeded, failed or was skipped.</summary>
    public StepWrite? Step { get; init; }

    /// <summary>Recorded at most once per run and asset.</summary>
    public MaterializationRecord? Materialization { get; init; }

    /// <summary>
    /// The asset grain's new state, written in the same transaction as the rest, if the stored version is still
    /// <see cref="AssetStateWrite.ExpectedVersion"/>; otherwise the whole write fails with
    /// <see cref="AssetStateConflictException"/>. Not written when the write is refused.
    /// </summary>
    public AssetStateWrite? AssetState { get; init; }

    /// <summary>The run is made once for this key: the write is refused whole when the key was recorded before.</summary>
    public string? RunKey { get; init; }

    /// <summary>A schedule's or sensor's tick, recorded with the run it made (or alone).</summary>
    public TickWrite? Tick { get; init; }

    /// <summary>A schedule's or sensor's status or cursor changes.</summary>
    public AutomationWrite? Automation { get; init; }
}

/// <summary>A tick to record. <see cref="Kind"/> is <c>schedule</c> or <c>sensor</c>.</summary>
public sealed record TickWrite(string Kind, string Name, DateTimeOffset At, Automation.TickStatus Status)
{
    public IReadOnlyList<Guid> RunIds { get; init; } = [];

    public string? Message { get; init; }

    public string? Cursor { get; init; }
}

/// <summary>A schedule's or sensor's kept state; a null field stays as it was.</summary>
public sealed record AutomationWrite(string Kind, string Name)
{
    public Automation.AutomationStatus? Status { get; init; }

    public string? Cursor { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>A schedule's or sensor's kept state (null before anyone started or stopped it) and newest tick.</summary>
public sealed record AutomationListing(AutomationState? State, Automation.TickRecord? LastTick);

/// <summary>What is kept of a schedule or sensor: its status once someone set it, its cursor, when it was started.</summary>
public sealed record AutomationState(Automation.AutomationStatus? Status, string? Cursor, DateTimeOffset? StartedAt);

/// <summary>How a step moves in a write; <see cref="StepTransitionRules"/> says from where it may.</summary>
public enum StepTransition
{
    /// <summary>An attempt began running on <see cref="StepWrite.Silo"/>.</summary>
    Started,

    /// <summary>The attempt died with its silo; the step waits for another attempt.</summary>
    AttemptLost,

    Succeeded,

    /// <summary>Failed for good (user code threw, or no attempt could finish).</summary>
    Failed,

    Skipped,

    /// <summary>Stopped (or never started) because its run was canceled.</summary>
    Canceled,
}

/// <summary>A step's transition, with what the step record keeps of it.</summary>
public sealed record StepWrite(string AssetKey, StepTransition Transition, int Attempt)
{
    public required DateTimeOffset Timestamp { get; init; }

    public string? Silo { get; init; }

    /// <summary>When the attempt that ends the step started (a step whose start was never stored is created whole).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public double? DurationMs { get; init; }

    public StepError? Error { get; init; }
}

/// <summary>
/// Which step transitions a write may make, given the step's recorded state (null: no record yet). The Postgres
/// store applies the same rules in SQL (<c>oa_append</c>); both pass the same tests.
/// </summary>
public static class StepTransitionRules
{
    public static bool Allows(StepSummary? current, StepTransition transition, int attempt) => transition switch
    {
        // A start never goes back to an older attempt, nor reopens a finished step.
        StepTransition.Started => current is null || (current.Status is StepStatus.Pending or StepStatus.Running && current.Attempts <= attempt),
        // Only the attempt that is running (or one never recorded as started) can be lost, and only once.
        StepTransition.AttemptLost => current is null
            || (current.Status == StepStatus.Running && current.Attempts == attempt)
            || (current.Status == StepStatus.Pending && current.Attempts < attempt),
        // A step ends once: the first outcome recorded is the step's outcome.
        StepTransition.Succeeded or StepTransition.Failed or StepTransition.Canceled => current is null || current.Status is StepStatus.Pending or StepStatus.Running,
        StepTransition.Skipped => current is null || current.Status == StepStatus.Pending,
        _ => false,
    };

    public static StepStatus StatusAfter(StepTransition transition) => transition switch
    {
        StepTransition.Started => StepStatus.Running,
        StepTransition.AttemptLost => StepStatus.Pending,
        StepTransition.Succeeded => StepStatus.Success,
        StepTransition.Failed => StepStatus.Failure,
        StepTransition.Canceled => StepStatus.Canceled,
        _ => StepStatus.Skipped,
    };
}

/// <summary>An asset grain's state to store, and the version it was read at (null: never stored).</summary>
public sealed record AssetStateWrite(string AssetKey, int? ExpectedVersion, Assets.AssetGrainState State);

/// <summary>An asset grain's stored state and its version.</summary>
public sealed record StoredAssetState(Assets.AssetGrainState State, int Version);

/// <param name="Applied">False when the write was refused whole (see <see cref="RunWrite"/>): nothing of it was stored.</param>
/// <param name="AssetStateVersion">The asset state's new version, when one was written.</param>
/// <param name="FirstSequence">The sequence number the write's first event got (the rest follow it), when it had events.</param>
public readonly record struct RunWriteResult(bool Applied, int? AssetStateVersion = null, long? FirstSequence = null);

/// <summary>What the run storage knows of one asset's latest activity, for listings that must not wake every asset grain.</summary>
public sealed record AssetActivity(string AssetKey, MaterializationRecord? LatestMaterialization, FailureRecord? LatestFailure, Guid? RunningIn);

/// <summary>Appends to run event logs; the part of the storage that steps and loggers need.</summary>
public interface IRunEventWriter
{
    /// <summary>Writes durably: the task completes once the write is committed.</summary>
    /// <exception cref="StorageUnavailableException">The storage stayed away longer than the store's write retry timeout.</exception>
    Task<RunWriteResult> AppendAsync(RunWrite write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes soon, in order with this silo's other writes: it joins the next durable write's commit, or is
    /// committed on its own within a fraction of a second. For what nothing waits on (a step started, log lines).
    /// It is kept and retried however long the storage is away; the task completes once it is written.
    /// </summary>
    Task<RunWriteResult> AppendSoon(RunWrite write);
}

/// <summary>Run records: what each run is, where it stands, and the listing of them.</summary>
public interface IRunRecordStore
{
    Task<RunRecord?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default);

    /// <summary>Runs newest first, filtered by status and tags and paged by creation time.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default);
}

/// <summary>The run queue's state: the queued and started runs (the queue keeps no state of its own).</summary>
public interface IRunQueueStore
{
    Task<IReadOnlyList<RunRecord>> GetUnfinishedRunsAsync(CancellationToken cancellationToken = default);
}

/// <summary>Each run's ordered event log, and the steps it records.</summary>
public interface IEventLogStore
{
    /// <summary>A run's events after <paramref name="afterSequence"/>, in order; logs left out unless asked for.</summary>
    Task<IReadOnlyList<RunEvent>> GetEventsAsync(Guid runId, long afterSequence, int limit, bool includeLogs = true, CancellationToken cancellationToken = default);

    /// <summary>The recorded steps of a run (steps never started or skipped have no record).</summary>
    Task<IReadOnlyList<StepSummary>> GetStepsAsync(Guid runId, CancellationToken cancellationToken = default);

    Task<StepSummary?> GetStepAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default);
}

/// <summary>Assets: every materialization, each asset's latest activity, and the asset grains' state.</summary>
public interface IAssetStateStore
{
    /// <summary>An asset's materializations newest first, paged by time.</summary>
    Task<IReadOnlyList<MaterializationRecord>> ListMaterializationsAsync(string assetKey, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default);

    Task<MaterializationRecord?> FindMaterializationAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default);

    /// <summary>The latest activity of the given assets (all of them when null); assets with none are left out.</summary>
    /// <param name="details">
    /// False for listings: the latest materialization comes without its metadata and the failure without its stack
    /// trace, which a listing of thousands of assets would read for nothing.
    /// </param>
    Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsync(IReadOnlyCollection<string>? assetKeys, CancellationToken cancellationToken = default, bool details = true);

    /// <summary>The asset grain's stored state, or null when it has none yet.</summary>
    Task<StoredAssetState?> GetAssetStateAsync(string assetKey, CancellationToken cancellationToken = default);
}

/// <summary>Schedules and sensors: their kept state and cursors, their ticks, and the run keys their runs were made for.</summary>
public interface IAutomationStore
{
    /// <summary>The run made for a run key, if one was.</summary>
    Task<Guid?> FindRunByKeyAsync(string runKey, CancellationToken cancellationToken = default);

    Task<AutomationState?> GetAutomationStateAsync(string kind, string name, CancellationToken cancellationToken = default);

    /// <summary>Every schedule or sensor (<paramref name="kind"/>) with kept state or ticks: its state and newest tick, in one read.</summary>
    Task<IReadOnlyDictionary<string, AutomationListing>> ListAutomationAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>A schedule's or sensor's ticks, newest first, before <paramref name="before"/> when given.</summary>
    Task<IReadOnlyList<Automation.TickRecord>> ListTicksAsync(string kind, string name, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default);
}

/// <summary>
/// The whole run storage, as one database implements it: a read seam per concern (run records, the queue, the
/// event log with its steps, asset state, schedules and sensors; partitions will be one more) and one write path,
/// <see cref="IRunEventWriter.AppendAsync"/>, because a step's outcome touches several of them and must cost one
/// commit. Grains depend on the concerns they read; the in-memory store serves dev mode and fast tests, the
/// Postgres store clusters, and both pass one conformance suite.
/// </summary>
public interface IRunStore : IRunEventWriter, IRunRecordStore, IRunQueueStore, IEventLogStore, IAssetStateStore, IAutomationStore;
