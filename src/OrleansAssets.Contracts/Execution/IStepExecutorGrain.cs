using OrleansAssets.Assets;

namespace OrleansAssets.Execution;

/// <summary>
/// Runs one attempt of one step's user code and owns it until its outcome is recorded. One class serves every
/// code location; an activation is placed only on a silo that loads the code location named in its key
/// (<see cref="StepExecutorKey"/>), which is the seam that lets silos with different user-code assemblies share
/// one cluster.
/// </summary>
/// <remarks>
/// <see cref="Start"/> returns at once with the silo the attempt runs on; when the code finishes, the executor
/// hands the outcome to the asset grain (<see cref="IAssetGrain.RecordOutcome"/>), again and again while the
/// storage is away, so an outcome is never lost to an outage and the code never runs twice for it.
/// </remarks>
[Alias("oa.IStepExecutorGrain")]
public interface IStepExecutorGrain : IGrainWithStringKey
{
    /// <summary>Starts the attempt, or reports the one this activation started already.</summary>
    /// <exception cref="SiloStoppingException">This silo is stopping and takes no new attempt: start it elsewhere.</exception>
    [Alias("Start")]
    Task<AttemptStarted> Start(StepExecutionRequest request);

    /// <summary>Where the attempt runs, or null when it does not run where this activation is (it is gone, or never began).</summary>
    /// <remarks>Never starts anything: for a caller that cannot tell whether the attempt was started.</remarks>
    [Alias("Find")]
    Task<AttemptStarted?> Find();

    /// <summary>Fires the attempt's cancellation token; the attempt reports canceled when its code stops, or after the grace period.</summary>
    [Alias("Cancel")]
    Task Cancel();
}

/// <summary>The key of a step executor: <c>{codeLocation}/{runId}/{assetKey}/{attempt}</c>, so every attempt is placed afresh.</summary>
public static class StepExecutorKey
{
    public static string Create(string codeLocation, Guid runId, string assetKey, int attempt) =>
        $"{codeLocation}/{runId:N}/{assetKey}/{attempt}";

    public static string CodeLocationOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }
}

[GenerateSerializer, Alias("oa.StepExecutionRequest")]
public sealed record StepExecutionRequest
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public required AssetSpec Spec { get; init; }

    [Id(2)] public int Attempt { get; init; } = 1;

    /// <summary>For each upstream asset the step receives as a parameter, the run whose stored value to load.</summary>
    [Id(3)] public Dictionary<string, Guid> InputRuns { get; init; } = new(StringComparer.Ordinal);

    /// <summary>For every upstream asset, the run whose materialization this step consumes; recorded with the outcome.</summary>
    [Id(4)] public Dictionary<string, Guid> ConsumedUpstream { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The step's part of the run config, as JSON, when it has one.</summary>
    [Id(5)] public string? Config { get; init; }

    /// <summary>Of a multi-asset's step: the outputs to materialize (the run's selection of them); empty for one asset.</summary>
    [Id(6)] public List<string> Outputs { get; init; } = [];
}

/// <summary>Where an attempt runs.</summary>
[GenerateSerializer, Alias("oa.AttemptStarted")]
public sealed record AttemptStarted
{
    /// <summary>The silo running the attempt (<c>SiloAddress.ToParsableString()</c>): when it is dead, so is the attempt.</summary>
    [Id(0)] public required string Silo { get; init; }
}

/// <summary>What an attempt produced, handed by its executor to the asset grain to record.</summary>
[GenerateSerializer, Alias("oa.StepReport")]
public sealed record StepReport
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public required int Attempt { get; init; }

    [Id(2)] public required AssetSpec Spec { get; init; }

    [Id(3)] public Dictionary<string, Guid> ConsumedUpstream { get; init; } = new(StringComparer.Ordinal);

    [Id(4)] public required StepExecutionResult Result { get; init; }

    /// <summary>The attempt's start was stored already (a long step); otherwise its start event is among the result's logs.</summary>
    [Id(5)] public bool StartStored { get; init; }

    /// <summary>The attempt never ran: its silo began to stop while it waited for a slot. Start another one elsewhere.</summary>
    [Id(6)] public bool NotStarted { get; init; }
}

[GenerateSerializer, Alias("oa.StepExecutionResult")]
public sealed record StepExecutionResult
{
    [Id(0)] public required bool Succeeded { get; init; }

    [Id(1)] public Dictionary<string, MetadataValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    [Id(2)] public string? DataVersion { get; init; }

    [Id(3)] public string? ValueLocation { get; init; }

    [Id(4)] public double DurationMs { get; init; }

    [Id(5)] public StepError? Error { get; init; }

    [Id(6)] public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The silo that ran the code, for the event log.</summary>
    [Id(7)] public string? Silo { get; init; }

    /// <summary>Events not stored yet (the attempt's start, log lines); the asset grain stores them with the outcome, in one commit.</summary>
    [Id(8)] public List<Runs.RunEvent> Logs { get; init; } = [];

    /// <summary>The attempt was canceled: its code stopped on its token, or was abandoned after the grace period.</summary>
    [Id(9)] public bool Canceled { get; init; }

    /// <summary>Of a multi-asset's step: what it produced for each output other than the step's own asset.</summary>
    [Id(10)] public List<OutputResult> Outputs { get; init; } = [];

    /// <summary>The code threw an exception type its retry policy never retries: the step fails at once.</summary>
    [Id(11)] public bool NeverRetry { get; init; }
}

/// <summary>What a multi-asset's step produced for one of its outputs.</summary>
[GenerateSerializer, Alias("oa.OutputResult")]
public sealed record OutputResult
{
    [Id(0)] public required string AssetKey { get; init; }

    [Id(1)] public Dictionary<string, MetadataValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    [Id(2)] public string? DataVersion { get; init; }

    [Id(3)] public string? ValueLocation { get; init; }
}
