using Microsoft.Extensions.Logging;

namespace OrleansAssets;

/// <summary>
/// What the runtime gives an asset while it materializes: who it is, which run it belongs to,
/// a logger whose lines land in the run's event log, a cancellation token, and its inputs' values.
/// </summary>
/// <remarks>
/// Public so that user code can be unit-tested by calling asset methods directly with a context of its own
/// (with a <paramref name="loadInput"/> of the test's own for <see cref="LoadInputAsync{T}(string)"/>).
/// </remarks>
/// <param name="loadInput">Loads an input's value as the given type: the runtime's goes through the upstream's IO manager.</param>
public sealed class AssetContext(
    string assetKey,
    Guid runId,
    ILogger log,
    int attempt = 1,
    CancellationToken cancellationToken = default,
    Func<string, Type, ValueTask<object?>>? loadInput = null)
{
    public string AssetKey { get; } = assetKey;

    public Guid RunId { get; } = runId;

    /// <summary>Log lines written here are recorded, with level and time, in the run's event log.</summary>
    public ILogger Log { get; } = log;

    /// <summary>1 for the first try of this step in its run; higher when an earlier try was lost with its silo.</summary>
    public int Attempt { get; } = attempt;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>
    /// The value of upstream asset <paramref name="upstreamKey"/> that this run consumes, loaded by the IO manager that
    /// stored it: how code added with <c>AddAsset</c> gets what an <see cref="AssetAttribute"/> method gets as a
    /// parameter. The key is one of <see cref="AssetSpecification.Inputs"/>, as written there (without an asset
    /// group's prefix) or whole.
    /// </summary>
    public async ValueTask<T> LoadInputAsync<T>(string upstreamKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(upstreamKey);
        if (loadInput is null)
        {
            throw new InvalidOperationException($"This context of '{AssetKey}' was made without inputs; pass a loadInput to its constructor.");
        }

        return await loadInput(upstreamKey, typeof(T)) switch
        {
            T value => value,
            null when default(T) is null => default!,
            var other => throw new InvalidOperationException($"Input '{upstreamKey}' of '{AssetKey}' loaded as {other?.GetType().Name ?? "null"}, not {typeof(T).Name}."),
        };
    }

    /// <summary>
    /// The assets this step materializes: <see cref="AssetKey"/> alone, or a multi-asset's outputs the run selected
    /// (all of them unless it can be subset). A multi-asset returns a result for each.
    /// </summary>
    public IReadOnlyList<string> SelectedOutputs { get; init; } = [assetKey];
}
