using OrleansAssets.Assets;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client.Views;

/// <summary>
/// A run as one flat JSON document: its record, its steps and its events. The shape of <c>oa run --json</c>
/// (and of the API to come): camelCase names, enums as words.
/// </summary>
public sealed record RunView(
    Guid RunId,
    RunStatus Status,
    string Selection,
    IReadOnlyList<string> AssetKeys,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    string? Error,
    IReadOnlyList<StepSummary> Steps,
    IReadOnlyList<RunEvent> Events,
    int? QueuePosition = null,
    int Priority = 0,
    string? CancelRequestedBy = null)
{
    public static RunView From(RunDetails details, IReadOnlyList<RunEvent>? allEvents = null)
    {
        var run = details.Run;
        return new RunView(
            run.RunId,
            run.Status,
            run.Selection,
            run.AssetKeys,
            run.Tags,
            run.CreatedAt,
            run.StartedAt,
            run.EndedAt,
            run.EndedAt is { } end && run.StartedAt is { } start ? (end - start).TotalMilliseconds : null,
            run.Error,
            details.Steps,
            allEvents ?? details.Events,
            details.QueuePosition,
            run.Priority,
            run.CancelRequestedBy);
    }
}

/// <summary>One asset as one JSON document: definition, status, the latest materialization with its metadata by key, recent history.</summary>
public sealed record AssetView(
    string Key,
    string? Description,
    string Group,
    string CodeLocation,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Owners,
    IReadOnlyList<string> Dependencies,
    IReadOnlyList<string> Dependents,
    AssetStatus Status,
    IReadOnlyList<string> StaleBecause,
    MaterializationRecord? LatestMaterialization,
    FailureRecord? LastFailure,
    IReadOnlyList<MaterializationRecord> History)
{
    public static AssetView From(AssetDetails details) => new(
        details.Spec.Key,
        details.Spec.Description,
        details.Spec.Group,
        details.Spec.CodeLocation,
        details.Spec.Tags,
        details.Spec.Owners,
        details.Spec.Dependencies,
        details.Dependents,
        details.State.Status,
        details.State.StaleBecause,
        details.State.Latest,
        details.State.LastFailure,
        details.State.History.Skip(1).ToList());
}
