namespace OrleansAssets.Assets;

/// <summary>
/// One asset: owns its materialization state and tells its downstream assets when it changes so they know they
/// are stale. Runs may materialize it concurrently; each run's materialization is recorded once.
/// </summary>
[Alias("oa.IAssetGrain")]
public interface IAssetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Materializes the asset for a run, or returns the outcome already recorded for that run, so a step retried
    /// after a lost attempt is recorded once.
    /// </summary>
    /// <remarks>User code may run for a long time; a dead silo breaks the call long before this timeout.</remarks>
    [ResponseTimeout("1.00:00:00")]
    [AlwaysInterleave]
    [Alias("Materialize")]
    Task<StepOutcome> Materialize(MaterializeRequest request);

    [AlwaysInterleave]
    [Alias("GetState")]
    Task<AssetState> GetState();

    /// <summary>An upstream asset was materialized by <paramref name="runId"/>.</summary>
    [AlwaysInterleave]
    [Alias("OnUpstreamMaterialized")]
    Task OnUpstreamMaterialized(string upstreamKey, Guid runId);
}

/// <summary>A run asks an asset grain to materialize its asset.</summary>
[GenerateSerializer, Alias("oa.MaterializeRequest")]
public sealed record MaterializeRequest
{
    [Id(0)] public required Guid RunId { get; init; }

    [Id(1)] public int Attempt { get; init; } = 1;

    [Id(2)] public required AssetSpec Spec { get; init; }

    /// <summary>Upstream keys materialized earlier in this run: their values come from this run, not the latest.</summary>
    [Id(3)] public List<string> UpstreamInRun { get; init; } = [];

    /// <summary>An earlier attempt of this step was lost with its silo; check the record before running again.</summary>
    [Id(4)] public bool EarlierAttemptLost { get; init; }
}

[GenerateSerializer, Alias("oa.StepOutcome")]
public sealed record StepOutcome
{
    [Id(0)] public required bool Succeeded { get; init; }

    [Id(1)] public MaterializationRecord? Materialization { get; init; }

    [Id(2)] public StepError? Error { get; init; }

    /// <summary>The run had already materialized this asset; nothing new was recorded.</summary>
    [Id(3)] public bool AlreadyRecorded { get; init; }
}
