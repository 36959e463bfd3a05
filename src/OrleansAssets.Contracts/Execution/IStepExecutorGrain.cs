using OrleansAssets.Assets;

namespace OrleansAssets.Execution;

/// <summary>
/// Runs one step's user code. One class serves every code location; an activation is placed only on a silo that
/// loads the code location named in its key (<see cref="StepExecutorKey"/>), which is the seam that lets silos
/// with different user-code assemblies share one cluster.
/// </summary>
[Alias("oa.IStepExecutorGrain")]
public interface IStepExecutorGrain : IGrainWithStringKey
{
    [ResponseTimeout("1.00:00:00")]
    [Alias("Execute")]
    Task<StepExecutionResult> Execute(StepExecutionRequest request);
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

    /// <summary>Log lines not stored yet; the asset grain stores them with the step's outcome, in one commit.</summary>
    [Id(8)] public List<Runs.RunEvent> Logs { get; init; } = [];
}
