namespace OrleansAssets;

/// <summary>
/// Stores the values assets return and loads them for the assets downstream, as Dagster's IO managers do.
/// Values never travel inside grain calls; they live wherever the IO manager puts them.
/// </summary>
/// <remarks>
/// Each run writes its own version of a value, so concurrent runs of one asset never read a half-written one,
/// and a downstream step reads exactly the version its run produced or consumed.
/// </remarks>
public interface IIOManager
{
    ValueTask<StoredValue> StoreAsync(OutputContext context, object value, CancellationToken cancellationToken);

    /// <summary>Loads the value stored for <see cref="InputContext.UpstreamKey"/> by run <see cref="InputContext.ProducedByRun"/>, as <paramref name="valueType"/>.</summary>
    ValueTask<object?> LoadAsync(InputContext context, Type valueType, CancellationToken cancellationToken);
}

/// <summary>Which value is being stored: the asset and the run that produced it.</summary>
/// <param name="PartitionKey">The partition the value is of; null for an asset that is not partitioned (partitions are not built yet: always null for now).</param>
public sealed record OutputContext(string AssetKey, Guid RunId, string? PartitionKey = null);

/// <summary>Which value is being loaded: an upstream asset's value as produced by a given run, for a downstream asset.</summary>
/// <param name="PartitionKey">The upstream partition to load; null for an asset that is not partitioned (always null for now).</param>
public sealed record InputContext(string UpstreamKey, Guid ProducedByRun, string ForAssetKey, string? PartitionKey = null);

/// <summary>Where a value was stored, a version that changes when its content does, and its size.</summary>
public sealed record StoredValue(string Location, string DataVersion, long SizeBytes);
