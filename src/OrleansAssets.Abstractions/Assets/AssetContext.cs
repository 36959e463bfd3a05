using Microsoft.Extensions.Logging;

namespace OrleansAssets;

/// <summary>
/// What the runtime gives an asset while it materializes: who it is, which run it belongs to,
/// a logger whose lines land in the run's event log, and a cancellation token.
/// </summary>
/// <remarks>
/// Public so that user code can be unit-tested by calling asset methods directly with a context of its own.
/// </remarks>
public sealed class AssetContext(string assetKey, Guid runId, ILogger log, int attempt = 1, CancellationToken cancellationToken = default)
{
    public string AssetKey { get; } = assetKey;

    public Guid RunId { get; } = runId;

    /// <summary>Log lines written here are recorded, with level and time, in the run's event log.</summary>
    public ILogger Log { get; } = log;

    /// <summary>1 for the first try of this step in its run; higher when an earlier try was lost with its silo.</summary>
    public int Attempt { get; } = attempt;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>
    /// The assets this step materializes: <see cref="AssetKey"/> alone, or a multi-asset's outputs the run selected
    /// (all of them unless it can be subset). A multi-asset returns a result for each.
    /// </summary>
    public IReadOnlyList<string> SelectedOutputs { get; init; } = [assetKey];
}
