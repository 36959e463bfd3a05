using OrleansAssets.CodeLocations;

namespace OrleansAssets.Graph;

/// <summary>
/// This silo's copy of the catalog's graph. Callers get the cached graph and at most one call to the catalog per
/// refresh interval asks whether it changed, so planning a run costs no catalog round trip in the steady state.
/// </summary>
internal sealed class AssetGraphCache(IGrainFactory grains, TimeProvider time)
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AssetGraph _graph = AssetGraph.Empty;
    private long _freshUntil;
    private long _invalidations;

    public async ValueTask<AssetGraph> GetAsync(CancellationToken cancellationToken = default)
    {
        if (IsFresh)
        {
            return _graph;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (!IsFresh)
            {
                // An invalidation while the catalog answers means the answer may predate it: it is used, not trusted.
                var invalidations = Volatile.Read(ref _invalidations);
                var snapshot = await grains.GetGrain<IAssetCatalogGrain>(0).GetGraph(_graph.Version);
                if (snapshot is not null)
                {
                    _graph = AssetGraph.FromSnapshot(snapshot);
                }

                if (Volatile.Read(ref _invalidations) == invalidations)
                {
                    Volatile.Write(ref _freshUntil, time.GetTimestamp() + (long)(RefreshInterval.TotalSeconds * time.TimestampFrequency));
                }
            }

            return _graph;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The graph as last read, without asking the catalog (empty before the first read).</summary>
    public AssetGraph Peek() => _graph;

    /// <summary>Forgets the cached graph, for example right after this silo published a code location.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _invalidations);
        Volatile.Write(ref _freshUntil, 0);
    }

    private bool IsFresh => time.GetTimestamp() < Volatile.Read(ref _freshUntil);
}
