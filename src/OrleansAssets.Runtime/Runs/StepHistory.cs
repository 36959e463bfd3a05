using OrleansAssets.Assets;

namespace OrleansAssets.Runs;

/// <summary>
/// A run's steps as its event log tells them: which succeeded, failed or were skipped, and which were in flight
/// (started with no outcome) when the run was interrupted. The run grain resumes from it; listings summarise it.
/// </summary>
internal sealed class StepHistory
{
    private readonly Dictionary<string, StepSummary> _steps = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, StepSummary> Steps => _steps;

    public static StepHistory From(IEnumerable<RunEvent> events)
    {
        var history = new StepHistory();
        foreach (var e in events)
        {
            history.Apply(e);
        }

        return history;
    }

    public StepStatus StatusOf(string key) => _steps.TryGetValue(key, out var step) ? step.Status : StepStatus.Pending;

    /// <summary>The attempt number to use next for a step that must run (again).</summary>
    public int NextAttempt(string key) => (_steps.GetValueOrDefault(key)?.Attempts ?? 0) + 1;

    /// <summary>Started and not finished: its attempt was lost, and its outcome may be recorded already.</summary>
    public bool WasInFlight(string key) => _steps.TryGetValue(key, out var step) && step.Status == StepStatus.Running;

    public List<StepSummary> Summaries(IEnumerable<string> plannedKeys) =>
        plannedKeys.Select(k => _steps.GetValueOrDefault(k) ?? new StepSummary { AssetKey = k }).ToList();

    private void Apply(RunEvent e)
    {
        if (e.AssetKey is not { } key)
        {
            return;
        }

        var step = _steps.GetValueOrDefault(key) ?? new StepSummary { AssetKey = key };
        step = e.Type switch
        {
            RunEventType.StepStarted => step with
            {
                Status = StepStatus.Running,
                Attempts = Math.Max(step.Attempts, e.Attempt ?? step.Attempts + 1),
                StartedAt = step.StartedAt ?? e.Timestamp,
                Error = null,
            },
            RunEventType.Materialization or RunEventType.StepSucceeded => step with
            {
                Status = StepStatus.Success,
                EndedAt = e.Timestamp,
                DurationMs = e.DurationMs ?? step.DurationMs,
            },
            RunEventType.StepFailed when e.WillRetry => step with
            {
                Status = StepStatus.Running,
                Attempts = Math.Max(step.Attempts, e.Attempt ?? step.Attempts),
                Error = e.Error,
            },
            RunEventType.StepFailed => step with
            {
                Status = StepStatus.Failure,
                Attempts = Math.Max(step.Attempts, e.Attempt ?? step.Attempts),
                EndedAt = e.Timestamp,
                DurationMs = e.DurationMs ?? step.DurationMs,
                Error = e.Error,
            },
            RunEventType.StepSkipped => step with { Status = StepStatus.Skipped, EndedAt = e.Timestamp, Error = null },
            _ => step,
        };
        _steps[key] = step;
    }
}
