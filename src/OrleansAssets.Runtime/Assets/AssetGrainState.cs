using OrleansAssets.Assets;

namespace OrleansAssets.Assets;

/// <summary>What an asset grain persists: its latest materialization, a bounded history, its latest failure.</summary>
/// <remarks>
/// Stored as JSON without type names (renaming this class breaks nothing), by the run storage, in the same
/// transaction as the step outcome that changed it.
/// </remarks>
[GenerateSerializer, Alias("oa.AssetGrainState")]
public sealed class AssetGrainState
{
    [Id(0)] public MaterializationRecord? Latest { get; set; }

    [Id(1)] public List<MaterializationRecord> History { get; set; } = [];

    [Id(2)] public FailureRecord? LastFailure { get; set; }
}
