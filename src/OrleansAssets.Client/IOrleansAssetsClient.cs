using OrleansAssets.Assets;
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
