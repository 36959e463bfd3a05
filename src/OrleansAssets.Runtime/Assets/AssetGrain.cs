using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Execution;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Assets;

/// <summary>
/// Owns one asset's materialization state. Runs materialize an asset concurrently (each writes its own version of
/// the value, switched into place whole), while every change to the grain's state goes through one gate, so state
/// and storage always hold complete versions. A retried step of a run already in flight joins it instead of
/// running twice.
/// </summary>
/// <remarks>
/// The state is stored by the run storage in the same transaction as the step's outcome (materialization, events,
/// log lines): one commit per step instead of one for the state and more for the events. The version it was read
/// at guards it like an ETag.
/// </remarks>
internal sealed partial class AssetGrain(
    IRunStore store,
    AssetGraphCache graphs,
    IOptions<OrleansAssetsOptions> options,
    ILogger<AssetGrain> logger) : Grain, IAssetGrain
{
    private readonly Dictionary<string, Guid> _upstreamLatest = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, StepOutcome> _recentOutcomes = [];
    private readonly Dictionary<Guid, Task<StepOutcome>> _inFlight = [];
    private readonly SemaphoreSlim _stateGate = new(1, 1);
    private AssetGrainState _state = new();
    private int? _version;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await store.GetAssetStateAsync(Key, cancellationToken) is { } stored)
        {
            (_state, _version) = (stored.State, stored.Version);
        }

        var graph = await graphs.GetAsync(cancellationToken);
        var upstream = graph.Find(Key)?.Dependencies ?? [];
        if (upstream.Count > 0)
        {
            var activity = await store.GetActivityAsync(upstream, cancellationToken);
            foreach (var (key, seen) in activity)
            {
                if (seen.LatestMaterialization is { } m)
                {
                    _upstreamLatest[key] = m.RunId;
                }
            }
        }
    }

    public Task<AssetState> GetState()
    {
        var staleBecause = AssetStatusRules.StaleBecause(_state.Latest, _upstreamLatest.Keys, k => _upstreamLatest.GetValueOrDefault(k));
        return Task.FromResult(new AssetState
        {
            Key = Key,
            Status = AssetStatusRules.Derive(_state.Latest, _state.LastFailure, _inFlight.Count > 0, staleBecause),
            Latest = _state.Latest,
            History = [.. _state.History],
            LastFailure = _state.LastFailure,
            StaleBecause = staleBecause,
            MaterializingRun = _inFlight.Count > 0 ? _inFlight.Keys.First() : null,
        });
    }

    public Task OnUpstreamMaterialized(string upstreamKey, Guid runId)
    {
        _upstreamLatest[upstreamKey] = runId;
        return Task.CompletedTask;
    }

    public Task<StepOutcome> Materialize(MaterializeRequest request)
    {
        if (_recentOutcomes.TryGetValue(request.RunId, out var known))
        {
            return Task.FromResult(known with { AlreadyRecorded = known.Succeeded });
        }

        if (_inFlight.TryGetValue(request.RunId, out var running))
        {
            // The run lost its answer (its own silo died) and asks again while the first attempt still runs here.
            return running;
        }

        var materialization = MaterializeForRunAsync(request);
        _inFlight[request.RunId] = materialization;
        return materialization;
    }

    private async Task<StepOutcome> MaterializeForRunAsync(MaterializeRequest request)
    {
        try
        {
            if (request.Attempt > 1 || request.EarlierAttemptLost)
            {
                // A retried step may have been recorded by an attempt whose answer was lost with its silo.
                if (await store.FindMaterializationAsync(request.RunId, Key) is { } existing)
                {
                    if (_state.History.All(h => h.RunId != existing.RunId))
                    {
                        await WriteAsync(new RunWrite(request.RunId), state => Adopt(state, existing));
                    }

                    return Remember(request.RunId, new StepOutcome { Succeeded = true, Materialization = existing, AlreadyRecorded = true });
                }
            }

            return Remember(request.RunId, await MaterializeOnce(request));
        }
        catch (AssetStateConflictException)
        {
            // Another activation wrote this asset's state (a split during failover): start again from storage.
            DeactivateOnIdle();
            throw;
        }
        finally
        {
            _inFlight.Remove(request.RunId);
        }
    }

    private async Task<StepOutcome> MaterializeOnce(MaterializeRequest request)
    {
        var spec = request.Spec;
        var upstreamRuns = await UpstreamRunsAsync(request);

        // Nothing depends on this event being durable before the step runs: it joins the outcome's commit, or
        // lands on its own within a fraction of a second for a long step.
        store.AppendSoon(new RunWrite(request.RunId)
        {
            StepStarted = Key,
            Events = [Event(request, RunEventType.StepStarted, $"attempt {request.Attempt}")],
        });

        var missingInputs = spec.Inputs.Where(i => !upstreamRuns.ContainsKey(i)).ToList();
        var result = missingInputs.Count > 0
            ? new StepExecutionResult
            {
                Succeeded = false,
                StartedAt = DateTimeOffset.UtcNow,
                Error = new StepError
                {
                    Type = typeof(InvalidOperationException).FullName!,
                    Message = $"'{Key}' takes the value of {string.Join(", ", missingInputs.Select(i => $"'{i}'"))}, which has never been materialized; select it too (for example '+{Key}').",
                },
            }
            : await ExecuteAsync(request, upstreamRuns);

        return result.Succeeded
            ? await RecordSuccessAsync(request, result, upstreamRuns)
            : await RecordFailureAsync(request, result);
    }

    private async Task<StepExecutionResult> ExecuteAsync(MaterializeRequest request, Dictionary<string, Guid> upstreamRuns)
    {
        var executorKey = StepExecutorKey.Create(request.Spec.CodeLocation, request.RunId, Key, request.Attempt);
        var executionRequest = new StepExecutionRequest
        {
            RunId = request.RunId,
            Spec = request.Spec,
            Attempt = request.Attempt,
            InputRuns = request.Spec.Inputs.ToDictionary(i => i, i => upstreamRuns[i], StringComparer.Ordinal),
        };
        var waitingSince = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            try
            {
                return await GrainFactory.GetGrain<IStepExecutorGrain>(executorKey).Execute(executionRequest);
            }
            catch (CodeLocationUnavailableException e) when (waitingSince.Elapsed < options.Value.CodeLocationWaitTimeout)
            {
                if (!announced)
                {
                    announced = true;
                    await store.AppendAsync(new RunWrite(request.RunId)
                    {
                        Events = [Event(request, RunEventType.StepWaiting, $"{e.Message} Waiting up to {options.Value.CodeLocationWaitTimeout} for one to join.")],
                    });
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            catch (CodeLocationUnavailableException e)
            {
                return new StepExecutionResult
                {
                    Succeeded = false,
                    StartedAt = DateTimeOffset.UtcNow,
                    Error = new StepError { Type = e.GetType().FullName!, Message = $"{e.Message} Gave up after {options.Value.CodeLocationWaitTimeout}." },
                };
            }
        }
    }

    private async Task<StepOutcome> RecordSuccessAsync(MaterializeRequest request, StepExecutionResult result, Dictionary<string, Guid> upstreamRuns)
    {
        var record = new MaterializationRecord
        {
            AssetKey = Key,
            RunId = request.RunId,
            Timestamp = DateTimeOffset.UtcNow,
            DurationMs = result.DurationMs,
            DataVersion = result.DataVersion ?? DataVersionOf(result.Metadata),
            Metadata = result.Metadata,
            ConsumedUpstream = upstreamRuns,
            CodeLocation = request.Spec.CodeLocation,
            Attempt = request.Attempt,
            ValueLocation = result.ValueLocation,
        };
        var outcome = new RunWrite(request.RunId)
        {
            Materialization = record,
            Events =
            [
                .. result.Logs,
                Event(request, RunEventType.Materialization, null) with { Metadata = record.Metadata, DataVersion = record.DataVersion },
                Event(request, RunEventType.StepSucceeded, result.Silo is null ? null : $"on {result.Silo}") with { DurationMs = result.DurationMs },
            ],
        };
        if (!(await WriteAsync(outcome, state => Adopt(state, record))).MaterializationRecorded)
        {
            // An earlier attempt of this run recorded it first; report that one, never a second.
            var existing = await store.FindMaterializationAsync(request.RunId, Key) ?? record;
            return new StepOutcome { Succeeded = true, Materialization = existing, AlreadyRecorded = true };
        }

        await NotifyDownstreamAsync(request.RunId);
        return new StepOutcome { Succeeded = true, Materialization = record };
    }

    private async Task<StepOutcome> RecordFailureAsync(MaterializeRequest request, StepExecutionResult result)
    {
        var error = result.Error ?? new StepError { Type = "Unknown", Message = "The step failed without an error." };
        var failure = new FailureRecord { RunId = request.RunId, Timestamp = DateTimeOffset.UtcNow, Error = error };
        await WriteAsync(
            new RunWrite(request.RunId)
            {
                StepFailure = (Key, failure),
                Events = [.. result.Logs, Event(request, RunEventType.StepFailed, error.ToString()) with { Error = error, DurationMs = result.DurationMs }],
            },
            state =>
            {
                state.LastFailure = failure;
                return state;
            });
        LogStepFailed(logger, Key, request.RunId, error.ToString());
        return new StepOutcome { Succeeded = false, Error = error };
    }

    /// <summary>
    /// Writes <paramref name="write"/> with the state <paramref name="change"/> makes, one change at a time:
    /// concurrent materializations interleave, and each builds on the state the previous one stored.
    /// </summary>
    private async Task<RunWriteResult> WriteAsync(RunWrite write, Func<AssetGrainState, AssetGrainState> change)
    {
        await _stateGate.WaitAsync();
        try
        {
            var next = change(new AssetGrainState { Latest = _state.Latest, History = [.. _state.History], LastFailure = _state.LastFailure });
            var result = await store.AppendAsync(write with { AssetState = new AssetStateWrite(Key, _version, next) });
            if (result.AssetStateVersion is { } version)
            {
                (_state, _version) = (next, version);
            }
            else if (await store.GetAssetStateAsync(Key) is { } stored)
            {
                // The run had recorded this step already, with the state that went with it: take that.
                (_state, _version) = (stored.State, stored.Version);
            }

            return result;
        }
        finally
        {
            _stateGate.Release();
        }
    }

    /// <summary>
    /// For each upstream asset, the run whose materialization this step consumes: this run's when the upstream
    /// was materialized earlier in it, otherwise the upstream's latest.
    /// </summary>
    private async Task<Dictionary<string, Guid>> UpstreamRunsAsync(MaterializeRequest request)
    {
        var runs = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var elsewhere = new List<string>();
        foreach (var upstream in request.Spec.Dependencies)
        {
            if (request.UpstreamInRun.Contains(upstream))
            {
                runs[upstream] = request.RunId;
            }
            else
            {
                elsewhere.Add(upstream);
            }
        }

        if (elsewhere.Count > 0)
        {
            var activity = await store.GetActivityAsync(elsewhere);
            foreach (var upstream in elsewhere)
            {
                if (activity.GetValueOrDefault(upstream)?.LatestMaterialization is { } m)
                {
                    runs[upstream] = m.RunId;
                }
            }
        }

        foreach (var (upstream, run) in runs)
        {
            _upstreamLatest[upstream] = run;
        }

        return runs;
    }

    private async Task NotifyDownstreamAsync(Guid runId)
    {
        var graph = await graphs.GetAsync();
        var calls = graph.DownstreamOf(Key).Select(d => GrainFactory.GetGrain<IAssetGrain>(d).OnUpstreamMaterialized(Key, runId));
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception e)
        {
            // Staleness is also derived from the run storage when a grain activates, so a lost notice costs nothing durable.
            LogNotifyFailed(logger, e, Key);
        }
    }

    private AssetGrainState Adopt(AssetGrainState state, MaterializationRecord record)
    {
        var history = state.History;
        history.RemoveAll(h => h.RunId == record.RunId);
        history.Add(record);
        history.Sort((a, b) => b.Timestamp.CompareTo(a.Timestamp));
        if (history.Count > options.Value.AssetHistoryLength)
        {
            history.RemoveRange(options.Value.AssetHistoryLength, history.Count - options.Value.AssetHistoryLength);
        }

        state.Latest = history[0];
        return state;
    }

    private StepOutcome Remember(Guid runId, StepOutcome outcome)
    {
        // A few recent outcomes answer a retried call without a storage round trip.
        if (_recentOutcomes.Count >= 64)
        {
            _recentOutcomes.Clear();
        }

        _recentOutcomes[runId] = outcome;
        return outcome;
    }

    private RunEvent Event(MaterializeRequest request, RunEventType type, string? message) => new()
    {
        RunId = request.RunId,
        Timestamp = DateTimeOffset.UtcNow,
        Type = type,
        AssetKey = Key,
        Message = message,
        Attempt = request.Attempt,
    };

    /// <summary>An asset that stores its own data has no bytes here to hash; its metadata stands for its content.</summary>
    private static string DataVersionOf(Dictionary<string, MetadataValue> metadata)
    {
        var canonical = JsonSerializer.Serialize(new SortedDictionary<string, MetadataValue>(metadata, StringComparer.Ordinal), JsonDefaults.Web);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset {AssetKey} failed in run {RunId}: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string assetKey, Guid runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset {AssetKey} could not notify its downstream assets")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string assetKey);
}
