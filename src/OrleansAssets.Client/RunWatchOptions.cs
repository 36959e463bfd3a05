namespace OrleansAssets.Client;

/// <summary>
/// How <see cref="OrleansAssetsClient.WatchRunAsync(Guid, RunWatchOptions, CancellationToken)"/> and
/// <see cref="OrleansAssetsClient.WaitForRunAsync(Guid, IProgress{Runs.RunEvent}?, RunWatchOptions, CancellationToken)"/>
/// follow a run: how often they ask, and how they ride out a storage or gateway outage (a run outlives both).
/// </summary>
public sealed record RunWatchOptions
{
    public static RunWatchOptions Default { get; } = new();

    /// <summary>The pause between two reads of an unfinished run.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long one read may take before it counts as failed and is retried. A call to a silo that has gone waits
    /// for Orleans' response timeout (30 s by default) before it fails; a watch need not wait that long to try again.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The pause before the first retry of an outage; it doubles with each retry up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one outage may last before the watch gives up and throws its last failure; null (the default) keeps
    /// retrying for as long as the caller's cancellation token allows.
    /// </summary>
    public TimeSpan? MaxOutage { get; init; }

    /// <summary>Told of each retry of an outage and of the read that ends it; reported on the watching thread, in order.</summary>
    public IProgress<RunWatchInterruption>? Interruptions { get; init; }

    /// <summary>The pause before retry number <paramref name="attempt"/> (1 for the first).</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var delay = FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryDelay.TotalMilliseconds));
    }
}

/// <summary>A watch of a run could not read it for a while, and will try again (or just did, and got through).</summary>
public sealed record RunWatchInterruption
{
    public required Guid RunId { get; init; }

    /// <summary>What is away; on the report that ends an outage, the last failure of it.</summary>
    public required TransientError Error { get; init; }

    /// <summary>Retries so far in this outage (1 on its first report).</summary>
    public required int Attempt { get; init; }

    /// <summary>The pause before the next try; zero once <see cref="Resumed"/>.</summary>
    public TimeSpan RetryIn { get; init; }

    /// <summary>How long the outage has lasted, from its first failed read.</summary>
    public TimeSpan Outage { get; init; }

    /// <summary>True on the one report that says the run was read again, ending the outage.</summary>
    public bool Resumed { get; init; }
}
