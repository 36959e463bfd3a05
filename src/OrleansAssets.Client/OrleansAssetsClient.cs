using OrleansAssets.Assets;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// What a program does with an OrleansAssets cluster: list and inspect assets, start runs, follow them.
/// Obtain it from DI after <see cref="OrleansAssetsClientHostingExtensions.AddOrleansAssetsClient"/>.
/// </summary>
public sealed class OrleansAssetsClient(IClusterClient cluster)
{
    private IQueryGrain Queries => cluster.GetGrain<IQueryGrain>(0);

    public Task<List<AssetSummary>> ListAssetsAsync() => Queries.ListAssets();

    /// <summary>A page of the assets a query matches (selection, group, code location, status), in dependency order.</summary>
    /// <exception cref="AssetSelectionException">The selection is not valid or names what does not exist.</exception>
    public Task<AssetPage> FindAssetsAsync(AssetQuery query) => Queries.FindAssets(query);

    /// <summary>The assets with their live state and their dependencies, for a graph view; all of them, or a selection's.</summary>
    public Task<Lineage> GetLineageAsync(string? selection = null) => Queries.GetLineage(selection);

    /// <exception cref="NotFoundException">No asset has this key.</exception>
    public Task<AssetDetails> GetAssetAsync(string key) => Queries.GetAsset(key);

    public Task<List<MaterializationRecord>> ListMaterializationsAsync(string key, DateTimeOffset? before = null, int limit = 50) =>
        Queries.ListMaterializations(key, before, limit);

    /// <summary>Starts a run of the assets <paramref name="selection"/> names; returns once it is recorded as queued.</summary>
    /// <exception cref="AssetSelectionException">The selection names something that does not exist; nothing is recorded.</exception>
    public Task<RunRecord> MaterializeAsync(string selection, IReadOnlyDictionary<string, string>? tags = null) =>
        cluster.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest
        {
            Selection = selection,
            Tags = tags is null ? [] : new Dictionary<string, string>(tags),
        });

    /// <exception cref="NotFoundException">No run has this id.</exception>
    public Task<RunDetails> GetRunAsync(Guid runId, long afterSequence = 0, int maxEvents = 10_000) =>
        Queries.GetRun(runId, afterSequence, maxEvents);

    public Task<List<RunRecord>> ListRunsAsync(RunQuery? query = null) => Queries.ListRuns(query ?? new RunQuery());

    public Task<List<SiloInfo>> ListSilosAsync() => Queries.ListSilos();

    public Task<List<CodeLocationInfo>> ListCodeLocationsAsync() => Queries.ListCodeLocations();

    /// <summary>
    /// Waits for a run to finish, reporting each event once, as it is recorded; returns the run with every event.
    /// Rides out storage and gateway outages (see <see cref="RunWatchOptions"/>): the run goes on without us.
    /// </summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    public Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress = null, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default) =>
        WaitForRunAsync(runId, progress, WithPollInterval(pollInterval), cancellationToken);

    /// <summary>
    /// Waits for a run to finish, reporting each event once, as it is recorded, and each retry of an outage to
    /// <see cref="RunWatchOptions.Interruptions"/>; returns the run with every event.
    /// </summary>
    /// <exception cref="NotFoundException">No run has this id.</exception>
    public async Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress, RunWatchOptions options, CancellationToken cancellationToken = default)
    {
        var events = new List<RunEvent>();
        RunDetails? last = null;
        await foreach (var page in WatchRunAsync(runId, options, cancellationToken))
        {
            foreach (var e in page.Events)
            {
                events.Add(e);
                progress?.Report(e);
            }

            last = page;
        }

        return last! with { Events = events };
    }

    /// <summary>
    /// Follows a run: yields each new page of it (status, steps and the events since the last page) until it finishes.
    /// Rides out storage and gateway outages with the default <see cref="RunWatchOptions"/>.
    /// </summary>
    public IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default) =>
        WatchRunAsync(runId, WithPollInterval(pollInterval), cancellationToken);

    /// <summary>
    /// Follows a run: yields each new page of it (status, steps and the events since the last page) until it finishes.
    /// A read that fails for a while (<see cref="ClusterErrors.Classify"/>) is retried with backoff and reported to
    /// <see cref="RunWatchOptions.Interruptions"/>; reading resumes after the last event yielded, so no event is
    /// yielded twice or skipped. Other failures, such as <see cref="NotFoundException"/> for an unknown run, end it.
    /// </summary>
    public IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, RunWatchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunWatcher.WatchAsync((cursor, pageSize) => GetRunAsync(runId, cursor, pageSize), runId, options, cancellationToken);
    }

    private static RunWatchOptions WithPollInterval(TimeSpan? pollInterval) =>
        pollInterval is { } interval ? RunWatchOptions.Default with { PollInterval = interval } : RunWatchOptions.Default;
}
