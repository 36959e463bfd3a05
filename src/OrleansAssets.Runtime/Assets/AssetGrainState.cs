using OrleansAssets.Assets;

namespace OrleansAssets.Assets;

/// <summary>What an asset grain persists: its latest materialization and its latest failure.</summary>
/// <remarks>
/// Stored as JSON without type names (renaming this class breaks nothing), by the run storage, in the same
/// transaction as the step outcome that changed it.
/// </remarks>
[GenerateSerializer, Alias("oa.AssetGrainState")]
public sealed class AssetGrainState
{
    [Id(0)] public MaterializationRecord? Latest { get; set; }

    /// <summary>
    /// Empty in what is stored now: the history is read from the materialization records when asked for. States
    /// stored by earlier versions carry one, and it is still read.
    /// </summary>
    [Id(1)] public List<MaterializationRecord> History { get; set; } = [];

    [Id(2)] public FailureRecord? LastFailure { get; set; }
}
