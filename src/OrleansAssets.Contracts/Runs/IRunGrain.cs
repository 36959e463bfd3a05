namespace OrleansAssets.Runs;

/// <summary>
/// One run: resolves its selection, plans it in dependency order, materializes independent branches at the same
/// time, skips only what is downstream of a failure, and records every step in the run's event log.
/// </summary>
[Alias("oa.IRunGrain")]
public interface IRunGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Validates the selection, records the run as queued and hands it to the run queue; returns once it is recorded.
    /// Throws <see cref="AssetSelectionException"/>, recording nothing, when the selection is bad.
    /// </summary>
    [Alias("Submit")]
    Task<RunRecord> Submit(RunRequest request);

    /// <summary>The run queue lets the run start. Idempotent: a run starts once.</summary>
    [Alias("Start")]
    Task Start();

    /// <summary>Continues an unfinished run from its recorded events, for example after the silo that ran it died.</summary>
    [Alias("Resume")]
    Task Resume();

    /// <summary>
    /// Cancels the run: a queued one leaves the queue and ends canceled; a running one starts no more steps, its
    /// running steps' cancellation tokens fire, and it ends canceled once they stop (or are abandoned after the
    /// grace period). Returns the run as it stands once the cancel is recorded; a finished run is returned as is.
    /// </summary>
    [Alias("Cancel")]
    Task<RunRecord> Cancel(CancelRequest request);
}

/// <summary>
/// The run queue: starts queued runs under the global limit of concurrent runs and the per-tag limits, highest
/// priority first, first in first out within one. Its durable state is the runs table, so it can be lost with its
/// silo and rebuilt anywhere; it reacts to a run ending at once.
/// </summary>
[Alias("oa.IRunQueueGrain")]
public interface IRunQueueGrain : IGrainWithIntegerKey
{
    [Alias("Enqueue")]
    Task Enqueue(RunRecord run);

    /// <summary>A run ended (or was canceled): its place may go to a queued one.</summary>
    [OneWay]
    [Alias("RunEnded")]
    Task RunEnded(Guid runId);

    /// <summary>Rebuilds from the runs table and starts what may start (after a restart, or when something was missed).</summary>
    [Alias("Reconcile")]
    Task Reconcile();

    [AlwaysInterleave]
    [Alias("GetQueue")]
    Task<QueueSnapshot> GetQueue();

    /// <summary>A queued run's place (1 = next), or null when it is not queued.</summary>
    [AlwaysInterleave]
    [Alias("PositionOf")]
    Task<int?> PositionOf(Guid runId);
}

/// <summary>The queue as it stands: queued runs in the order they start, the running ones, the limits.</summary>
[GenerateSerializer, Alias("oa.QueueSnapshot")]
public sealed record QueueSnapshot
{
    [Id(0)] public List<QueuedRun> Queued { get; init; } = [];

    [Id(1)] public List<Guid> Running { get; init; } = [];

    [Id(2)] public int MaxConcurrentRuns { get; init; }

    [Id(3)] public List<TagLimit> TagLimits { get; init; } = [];
}

[GenerateSerializer, Alias("oa.QueuedRun")]
public sealed record QueuedRun
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public int Position { get; init; }

    [Id(2)] public int Priority { get; init; }

    [Id(3)] public DateTimeOffset CreatedAt { get; init; }

    [Id(4)] public Dictionary<string, string> Tags { get; init; } = [];

    /// <summary>Why it waits: the global limit, or the tag limit that holds it back.</summary>
    [Id(5)] public string? WaitingFor { get; init; }
}

/// <summary>At most <see cref="Limit"/> runs with the tag <see cref="Key"/> (with <see cref="Value"/>, when given) run at once.</summary>
[GenerateSerializer, Alias("oa.TagLimit")]
public sealed record TagLimit
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public string? Value { get; init; }

    [Id(2)] public int Limit { get; init; }

    public bool Matches(IReadOnlyDictionary<string, string> tags) => tags.TryGetValue(Key, out var value) && (Value is null || value == Value);
}
