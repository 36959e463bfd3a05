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
public sealed record OutputContext(string AssetKey, Guid RunId);

/// <summary>Which value is being loaded: an upstream asset's value as produced by a given run, for a downstream asset.</summary>
public sealed record InputContext(string UpstreamKey, Guid ProducedByRun, string ForAssetKey);

/// <summary>Where a value was stored, a version that changes when its content does, and its size.</summary>
public sealed record StoredValue(string Location, string DataVersion, long SizeBytes);
