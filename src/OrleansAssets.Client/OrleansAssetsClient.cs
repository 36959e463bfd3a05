using OrleansAssets.Assets;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// <see cref="IOrleansAssetsClient"/> over an Orleans cluster client: calls the cluster's grains through its
/// gateways. Obtain it from DI after <see cref="OrleansAssetsClientHostingExtensions.AddOrleansAssetsClient(Microsoft.Extensions.Hosting.IHostApplicationBuilder, Action{OrleansAssetsClientOptions}?)"/>,
/// or make one over any <see cref="IClusterClient"/> (a silo's own, for a gateway hosted in the silo).
/// </summary>
/// <remarks>
/// A grain call cannot be withdrawn once sent: a canceled token stops the wait for its answer, not the call.
/// </remarks>
public sealed class OrleansAssetsClient(IClusterClient cluster) : IOrleansAssetsClient
{
    private IQueryGrain Queries => cluster.GetGrain<IQueryGrain>(0);

    public Task<List<AssetSummary>> ListAssetsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListAssets().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<AssetPage> FindAssetsAsync(AssetQuery query, CancellationToken cancellationToken = default) =>
        Queries.FindAssets(query).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<Lineage> GetLineageAsync(string? selection = null, CancellationToken cancellationToken = default) =>
        Queries.GetLineage(selection).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<AssetDetails> GetAssetAsync(string key, CancellationToken cancellationToken = default) =>
        Queries.GetAsset(key).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<MaterializationRecord>> ListMaterializationsAsync(string key, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default) =>
        Queries.ListMaterializations(key, before, limit).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<RunRecord> MaterializeAsync(string selection, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default) =>
        cluster.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest
        {
            Selection = selection,
            Tags = tags is null ? [] : new Dictionary<string, string>(tags),
        }).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<RunDetails> GetRunAsync(Guid runId, long afterSequence = 0, int maxEvents = 10_000, CancellationToken cancellationToken = default) =>
        Queries.GetRun(runId, afterSequence, maxEvents).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<RunRecord>> ListRunsAsync(RunQuery? query = null, CancellationToken cancellationToken = default) =>
        Queries.ListRuns(query ?? new RunQuery()).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<SiloInfo>> ListSilosAsync(CancellationToken cancellationToken = default) =>
        Queries.ListSilos().WaitAsync(cancellationToken);

    public Task<List<CodeLocationInfo>> ListCodeLocationsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListCodeLocations().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress, RunWatchOptions options, CancellationToken cancellationToken = default) =>
        RunWatcher.WaitAsync(WatchRunAsync(runId, options, cancellationToken), progress);

    /// <inheritdoc/>
    public IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, RunWatchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunWatcher.WatchAsync((cursor, pageSize, token) => GetRunAsync(runId, cursor, pageSize, token), runId, options, cancellationToken);
    }
}
