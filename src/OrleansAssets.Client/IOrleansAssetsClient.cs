using OrleansAssets.Assets;
using OrleansAssets.Automation;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// What a program does with an OrleansAssets cluster: list and inspect assets, start runs, follow them. Two
/// implementations with the same contracts and the same errors: <see cref="OrleansAssetsClient"/> over an Orleans
/// cluster client, and <see cref="Http.OrleansAssetsHttpClient"/> over a gateway's REST API.
/// </summary>
/// <remarks>
/// Errors: <see cref="AssetSelectionException"/> for a bad selection, <see cref="NotFoundException"/> for an unknown
/// asset or run, <see cref="StorageUnavailableException"/> when the cluster's database is away; over HTTP also
/// <see cref="Http.GatewayUnreachableException"/>, <see cref="Http.ClusterUnavailableException"/> and
/// <see cref="Http.GatewayAuthenticationException"/>. <see cref="ClusterErrors.Classify"/> tells which pass.
/// </remarks>
public interface IOrleansAssetsClient
{
    /// <summary>Every asset, in dependency order.</summary>
    Task<List<AssetSummary>> ListAssetsAsync(CancellationToken cancellationToken = default);

    /// <summary>A page of the assets a query matches (selection, group, code location, status), in dependency order.</summary>
    /// <exception cref="AssetSelectionException">The selection is not valid or names what does not exist.</exception>
    Task<AssetPage> FindAssetsAsync(AssetQuery query, CancellationToken cancellationToken = default);

    /// <summary>The assets with their live state and their dependencies, for a graph view; all of them, or a selection's.</summary>
    /// <exception cref="AssetSelectionException">The selection is not valid or names what does not exist.</exception>
    Task<Lineage> GetLineageAsync(string? selection = null, CancellationToken cancellationToken = default);

    /// <exception cref="NotFoundException">No asset has this key.</exception>
    Task<AssetDetails> GetAssetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>An asset's materializations, newest first: at most <paramref name="limit"/> (1 to 1000), those before <paramref name="before"/>.</summary>
    /// <exception cref="NotFoundException">No asset has this key.</exception>
    Task<List<MaterializationRecord>> ListMaterializationsAsync(string key, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports a materialization of an external asset (one produced outside OrleansAssets, declared with
    /// <c>AddExternalAsset</c>): records it with its metadata and data version, and makes its downstream stale and its
    /// asset sensors fire as a run's materialization does. Returns the record once it is durable.
    /// </summary>
    /// <param name="dataVersion">The producer's version of the data; when null, one is derived from the metadata.</param>
    /// <param name="reportId">
    /// Makes the report once: retrying with the same id (after a lost answer) records nothing new and returns the first
    /// record. A fresh id when null. It is the record's <see cref="MaterializationRecord.RunId"/>, though no run has it.
    /// </param>
    /// <exception cref="NotFoundException">No asset has this key.</exception>
    /// <exception cref="NotExternalAssetException">The asset is not external: runs materialize it (<c>oa materialize</c>).</exception>
    Task<MaterializationRecord> ReportMaterializationAsync(string assetKey, IReadOnlyDictionary<string, MetadataValue>? metadata = null, string? dataVersion = null, Guid? reportId = null, CancellationToken cancellationToken = default);

    /// <summary>Starts a run of the assets <paramref name="selection"/> names; returns once it is recorded.</summary>
    /// <exception cref="AssetSelectionException">The selection names something that does not exist; nothing is recorded.</exception>
    Task<RunRecord> MaterializeAsync(string selection, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>A run with its steps and at most <paramref name="maxEvents"/> of its events after <paramref name="afterSequence"/> (0: from the first).</summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    Task<RunDetails> GetRunAsync(Guid runId, long afterSequence = 0, int maxEvents = 10_000, CancellationToken cancellationToken = default);

    /// <summary>Runs, newest first, filtered and paged by the query.</summary>
    Task<List<RunRecord>> ListRunsAsync(RunQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Every silo of the cluster, live and dead.</summary>
    Task<List<SiloInfo>> ListSilosAsync(CancellationToken cancellationToken = default);

    Task<List<CodeLocationInfo>> ListCodeLocationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every job, by name, each with its steps (assets, then ops).</summary>
    Task<List<JobInfo>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <exception cref="NotFoundException">No job has this name (the message lists the known ones).</exception>
    Task<JobInfo> GetJobAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Starts a run of a job (its selection, ops, tags, priority; <paramref name="config"/> or its default config); returns once it is recorded.</summary>
    /// <param name="config">The run config as JSON, an object by step key; null for the job's default.</param>
    /// <param name="tags">Tags added to (or overriding) the job's.</param>
    /// <exception cref="NotFoundException">No job has this name.</exception>
    /// <exception cref="RunConfigException">The config does not fit the job's steps (the message names the step and field); nothing is recorded.</exception>
    Task<RunRecord> LaunchJobAsync(string name, string? config = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>Every schedule with its status, next ticks and newest tick.</summary>
    Task<List<AutomationInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Every sensor with its status, cursor and newest tick.</summary>
    Task<List<AutomationInfo>> ListSensorsAsync(CancellationToken cancellationToken = default);

    /// <exception cref="NotFoundException">No schedule (or sensor) has this name.</exception>
    Task<AutomationInfo> GetAutomationAsync(AutomationKind kind, string name, CancellationToken cancellationToken = default);

    /// <summary>Starts or stops a schedule or sensor; the status is persisted, so it holds across silo restarts.</summary>
    /// <param name="by">Who asks, recorded with the change; over HTTP the gateway records its caller instead.</param>
    /// <exception cref="NotFoundException">No schedule (or sensor) has this name.</exception>
    Task<AutomationInfo> SetAutomationStatusAsync(AutomationKind kind, string name, AutomationStatus status, string? by = null, CancellationToken cancellationToken = default);

    /// <summary>A schedule's or sensor's ticks, newest first: at most <paramref name="limit"/> (1 to 1000), those before <paramref name="before"/>.</summary>
    /// <exception cref="NotFoundException">No schedule (or sensor) has this name.</exception>
    Task<List<TickRecord>> ListTicksAsync(AutomationKind kind, string name, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>A schedule's next <paramref name="count"/> (1 to 1000) ticks at or after <paramref name="from"/> (now when null), each in the schedule's zone.</summary>
    /// <exception cref="NotFoundException">No schedule has this name.</exception>
    Task<List<DateTimeOffset>> PreviewScheduleAsync(string name, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default);

    /// <summary>The next <paramref name="count"/> (1 to 1000) ticks of a cron expression in a zone (UTC when null), at or after <paramref name="from"/> (now when null).</summary>
    /// <exception cref="ScheduleException">The cron expression or the zone is not valid; the message says which and why.</exception>
    Task<List<DateTimeOffset>> PreviewCronAsync(string cron, string? timeZone = null, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default);

    /// <summary>The run queue: queued runs in the order they start (with positions), the running ones, the limits.</summary>
    Task<QueueSnapshot> GetQueueAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks to cancel a run: a queued one ends canceled at once, a running one starts no more steps and ends canceled
    /// once its running steps stop. Returns the run once the cancel is recorded.
    /// </summary>
    /// <param name="by">Who asks, recorded in the run's events; over HTTP the gateway records its caller instead.</param>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    /// <exception cref="RunEndedException">The run already ended; nothing changes.</exception>
    Task<RunRecord> CancelRunAsync(Guid runId, string? reason = null, string? by = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a run that executes a finished run again, Dagster's re-execution: with its job, config and tags, every
    /// step of it, or (<paramref name="fromFailure"/>) only those that failed, were canceled or did not run, reusing
    /// what the parent run materialized for the rest. The new run carries its parent and root run (tags
    /// <c>oa/parent_run_id</c>, <c>oa/root_run_id</c>).
    /// </summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    /// <exception cref="AssetSelectionException">The run is not finished, or (from failure) none of its steps failed.</exception>
    Task<RunRecord> ReexecuteRunAsync(Guid runId, bool fromFailure = false, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows a run: yields each new page of it (status, steps and the events since the last page) until it finishes.
    /// A read that fails for a while (<see cref="ClusterErrors.Classify"/>: the storage, the cluster or the gateway
    /// away) is retried with backoff and reported to <see cref="RunWatchOptions.Interruptions"/>; reading resumes
    /// after the last event yielded, so no event is yielded twice or skipped. Other failures, such as
    /// <see cref="NotFoundException"/> for an unknown run, end it.
    /// </summary>
    IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, RunWatchOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for a run to finish, reporting each event once, as it is recorded, and each retry of an outage to
    /// <see cref="RunWatchOptions.Interruptions"/>; returns the run with every event.
    /// </summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress, RunWatchOptions options, CancellationToken cancellationToken = default);
}

/// <summary>The shorter ways to follow a run, for either client.</summary>
public static class OrleansAssetsClientExtensions
{
    /// <summary>
    /// Waits for a run to finish, reporting each event once, as it is recorded; returns the run with every event.
    /// Rides out storage, cluster and gateway outages (see <see cref="RunWatchOptions"/>): the run goes on without us.
    /// </summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    public static Task<RunDetails> WaitForRunAsync(this IOrleansAssetsClient client, Guid runId, IProgress<RunEvent>? progress = null, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.WaitForRunAsync(runId, progress, WithPollInterval(pollInterval), cancellationToken);
    }

    /// <summary>
    /// Follows a run: yields each new page of it (status, steps and the events since the last page) until it finishes.
    /// Rides out storage, cluster and gateway outages with the default <see cref="RunWatchOptions"/>.
    /// </summary>
    public static IAsyncEnumerable<RunDetails> WatchRunAsync(this IOrleansAssetsClient client, Guid runId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.WatchRunAsync(runId, WithPollInterval(pollInterval), cancellationToken);
    }

    private static RunWatchOptions WithPollInterval(TimeSpan? pollInterval) =>
        pollInterval is { } interval ? RunWatchOptions.Default with { PollInterval = interval } : RunWatchOptions.Default;
}
