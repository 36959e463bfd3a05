namespace OrleansAssets.Runs;

/// <summary>
/// One run: resolves its selection, plans it in dependency order, materializes independent branches at the same
/// time, skips only what is downstream of a failure, and records every step in the run's event log.
/// </summary>
[Alias("oa.IRunGrain")]
public interface IRunGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Validates the selection, records the run as queued and starts it; returns once it is recorded.
    /// Throws <see cref="AssetSelectionException"/>, recording nothing, when the selection is bad.
    /// </summary>
    [Alias("Submit")]
    Task<RunRecord> Submit(RunRequest request);

    /// <summary>Continues an unfinished run from its recorded events, for example after the silo that ran it died.</summary>
    [Alias("Resume")]
    Task Resume();
}
