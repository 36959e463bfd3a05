using OrleansAssets.Assets;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Testing;

/// <summary>Runs, records and writes for tests of a run store, in one place for every suite that needs them.</summary>
public static class RunStoreTestData
{
    public static (StepStatus, int, string?) Describe(StepSummary? step) => (step!.Status, step.Attempts, step.Silo);

    public static async Task<Guid> CreateRunAsync(IRunStore store, RunStatus status = RunStatus.Started, DateTimeOffset? at = null)
    {
        var id = Guid.NewGuid();
        var created = at ?? DateTimeOffset.UtcNow;
        await store.AppendAsync(new RunWrite(id)
        {
            Run = new RunRecord
            {
                RunId = id,
                Status = status,
                Selection = "*",
                AssetKeys = ["orders"],
                CreatedAt = created,
                StartedAt = created,
                EndedAt = status is RunStatus.Success or RunStatus.Failure ? created : null,
            },
            Events = [Event(id, RunEventType.RunQueued, "queued")],
        });
        return id;
    }

    public static MaterializationRecord Materialization(Guid run, string key) => new()
    {
        AssetKey = key,
        RunId = run,
        Timestamp = DateTimeOffset.UtcNow,
        DataVersion = "v1",
        Metadata = new() { ["rows"] = 3, ["path"] = MetadataValue.Path("/tmp/orders") },
    };

    public static RunWrite SuccessWrite(MaterializationRecord record, int attempt) => new(record.RunId)
    {
        Step = new StepWrite(record.AssetKey, StepTransition.Succeeded, attempt) { Timestamp = record.Timestamp },
        Materialization = record,
        Events =
        [
            Event(record.RunId, RunEventType.Materialization, null, record.AssetKey) with { Metadata = record.Metadata, DataVersion = record.DataVersion },
            Event(record.RunId, RunEventType.StepSucceeded, null, record.AssetKey),
        ],
    };

    public static RunWrite Step(Guid run, StepTransition transition, int attempt, string? silo = null, string key = "orders") => new(run)
    {
        Step = new StepWrite(key, transition, attempt) { Timestamp = DateTimeOffset.UtcNow, Silo = silo },
        Events =
        [
            Event(run, transition switch
            {
                StepTransition.Started => RunEventType.StepStarted,
                StepTransition.Skipped => RunEventType.StepSkipped,
                StepTransition.Succeeded => RunEventType.StepSucceeded,
                _ => RunEventType.StepFailed,
            }, $"{transition} {attempt}", key) with { Attempt = attempt, Silo = silo, WillRetry = transition == StepTransition.AttemptLost },
        ],
    };

    public static RunEvent Event(Guid run, RunEventType type, string? message, string? asset = null) => new()
    {
        RunId = run,
        Timestamp = DateTimeOffset.UtcNow,
        Type = type,
        Message = message,
        AssetKey = asset,
    };
}
