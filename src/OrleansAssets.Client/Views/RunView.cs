using OrleansAssets.Assets;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client.Views;

/// <summary>
/// A run as one flat JSON document: its record, its steps and its events. The shape of <c>oa run --json</c>
/// and of the API's run: camelCase names, enums as words. It carries all of <see cref="RunDetails"/> (its
/// <see cref="RunRecord"/> field by field), so the HTTP client gives the same run as the Orleans one.
/// </summary>
/// <param name="Job">The job the run launched, if it was one.</param>
/// <param name="Ops">The ops it runs besides its assets (a job's); left out when none.</param>
/// <param name="Config">The run config as JSON text, when it was given one.</param>
/// <param name="RunKey">The key a schedule's tick or a sensor's request made it once for, if any.</param>
/// <param name="ParentRunId">The run it re-executes, when it is a re-execution (from its tags).</param>
/// <param name="RootRunId">The first run of its chain of re-executions, when it is a re-execution.</param>
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
    string? CancelRequestedBy = null,
    string? Job = null,
    IReadOnlyList<string>? Ops = null,
    string? Config = null,
    string? RunKey = null,
    Guid? ParentRunId = null,
    Guid? RootRunId = null)
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
            run.CancelRequestedBy,
            run.Job,
            run.Ops.Count > 0 ? run.Ops : null,
            run.Config,
            run.RunKey,
            run.ParentRunId,
            run.ParentRunId is null ? null : run.RootRunId);
    }
}

/// <summary>
/// One asset as one JSON document: definition, status, the latest materialization with its metadata by key, recent
/// history (the materializations before the latest). The shape of <c>oa asset --json</c> and of the API's asset;
/// it carries all of <see cref="AssetDetails"/>, so the HTTP client gives the same details as the Orleans one.
/// </summary>
/// <param name="Inputs">The upstream keys whose values it receives as parameters (the rest of <paramref name="Dependencies"/> only order it).</param>
/// <param name="IOManager">The IO manager that stores its value, when not the default.</param>
/// <param name="MaterializingRun">The run materializing it now, if any.</param>
/// <param name="Kind">Left out for an asset; <c>op</c> for a job's op.</param>
/// <param name="Config">The fields of its run config, when it takes one.</param>
/// <param name="Kinds">Its kinds (<c>csv</c>, <c>dataframe</c>...), left out when it has none.</param>
/// <param name="CodeVersion">The code version its code location declares, when it declares one.</param>
/// <param name="External">True for an asset produced outside OrleansAssets (reported, never run); left out otherwise.</param>
/// <param name="MultiAsset">The multi-asset it is an output of, if any.</param>
/// <param name="Subsettable">True when its multi-asset can run for some of its outputs only; left out otherwise.</param>
/// <param name="Retry">When a failure of its code is tried again (attempts, delay, backoff, jitter, exception types never retried); left out when never.</param>
/// <param name="MaxRunTimeMs">The longest its code may run, when it sets its own (else the silo's step timeout).</param>
/// <param name="StaleReasons">Every reason it is behind (code version changed, upstream code version changed, upstream materialized since, never materialized).</param>
public sealed record AssetView(
    string Key,
    string? Description,
    string Group,
    string CodeLocation,
    string? IOManager,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Owners,
    IReadOnlyList<string> Dependencies,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Dependents,
    AssetStatus Status,
    Guid? MaterializingRun,
    IReadOnlyList<string> StaleBecause,
    MaterializationRecord? LatestMaterialization,
    FailureRecord? LastFailure,
    IReadOnlyList<MaterializationRecord> History,
    StepKind? Kind = null,
    IReadOnlyList<ConfigField>? Config = null,
    IReadOnlyList<string>? Kinds = null,
    string? CodeVersion = null,
    IReadOnlyList<StaleReason>? StaleReasons = null,
    bool? External = null,
    string? MultiAsset = null,
    bool? Subsettable = null,
    RetryPolicySpec? Retry = null,
    double? MaxRunTimeMs = null)
{
    public static AssetView From(AssetDetails details) => new(
        details.Spec.Key,
        details.Spec.Description,
        details.Spec.Group,
        details.Spec.CodeLocation,
        details.Spec.IOManager,
        details.Spec.Tags,
        details.Spec.Owners,
        details.Spec.Dependencies,
        details.Spec.Inputs,
        details.Dependents,
        details.State.Status,
        details.State.MaterializingRun,
        details.State.StaleBecause,
        details.State.Latest,
        details.State.LastFailure,
        details.State.History.Skip(1).ToList(),
        details.Spec.Kind == StepKind.Asset ? null : details.Spec.Kind,
        details.Spec.Config.Count > 0 ? details.Spec.Config : null,
        details.Spec.Kinds.Count > 0 ? details.Spec.Kinds : null,
        details.Spec.CodeVersion,
        details.State.StaleReasons,
        details.Spec.IsExternal ? true : null,
        details.Spec.MultiAsset,
        details.Spec.Subsettable ? true : null,
        details.Spec.Retry,
        details.Spec.MaxRunTimeMs);
}
