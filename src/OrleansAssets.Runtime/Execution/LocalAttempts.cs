using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;
using OrleansAssets.IO;
using OrleansAssets.Storage;

namespace OrleansAssets.Execution;

/// <summary>
/// The attempts running user code on this silo, each from its start until its outcome is handed to the asset
/// grain. An attempt belongs to the silo, not to the executor activation that started it: Orleans deactivates
/// activations whose directory entry lived on a silo that stops or dies, and the user's code (which cannot be
/// stopped halfway) must neither be orphaned nor started a second time when that happens.
/// </summary>
internal sealed partial class LocalAttempts(
    Microsoft.Extensions.Options.IOptions<OrleansAssetsOptions> options,
    CodeLocationRegistry codeLocations,
    IOManagerResolver ioManagers,
    StepSlots slots,
    GracefulShutdown shutdown,
    IRunEventWriter events,
    IServiceProvider hostServices,
    IGrainFactory grains,
    ILocalSiloDetails localSilo,
    TimeProvider time,
    ILogger<LocalAttempts> logger)
{
    private readonly ConcurrentDictionary<string, Attempt> _attempts = new(StringComparer.Ordinal);

    public string Silo { get; } = localSilo.SiloAddress.ToParsableString();

    /// <summary>Starts the attempt the executor key names, unless it runs here already.</summary>
    public Attempt Start(string executorKey, StepExecutionRequest request)
    {
        var attempt = _attempts.GetOrAdd(executorKey, key => new Attempt(key, request, new RunEventLogger(request.RunId, request.Spec.Key, request.Attempt, events, logger), options.Value.CancelGracePeriod));
        attempt.Begin(() => RunAsync(attempt));
        return attempt;
    }

    public Attempt? Find(string executorKey) => _attempts.GetValueOrDefault(executorKey);

    private async Task RunAsync(Attempt attempt)
    {
        using var tracked = shutdown.TrackAttempt();
        try
        {
            var (result, startStored, notStarted) = await ExecuteAsync(attempt);
            var request = attempt.Request;
            await HandOverAsync(new StepReport
            {
                RunId = request.RunId,
                Attempt = request.Attempt,
                Spec = request.Spec,
                ConsumedUpstream = request.ConsumedUpstream,
                Result = result,
                StartStored = startStored,
                NotStarted = notStarted,
            });
        }
        finally
        {
            await attempt.Log.DisposeAsync();
            _attempts.TryRemove(attempt.ExecutorKey, out _);
        }
    }

    private async Task<(StepExecutionResult, bool StartStored, bool NotStarted)> ExecuteAsync(Attempt attempt)
    {
        var request = attempt.Request;
        var key = request.Spec.Key;
        var runLog = attempt.Log;
        IDisposable slot;
        using var stopOrCancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Stopping, attempt.Cancellation.Token);
        try
        {
            slot = await slots.EnterAsync(stopOrCancel.Token);
        }
        catch (OperationCanceledException) when (attempt.Cancellation.IsCancellationRequested)
        {
            return (Canceled(request, "its run was canceled before it could start", DateTimeOffset.UtcNow, 0, []), false, false);
        }
        catch (OperationCanceledException) when (shutdown.IsStopping)
        {
            // Waiting for a slot on a silo that is leaving: the step starts sooner elsewhere than after the drain.
            LogNotStarted(logger, key, request.RunId, request.Attempt);
            return (new StepExecutionResult
            {
                Succeeded = false,
                StartedAt = DateTimeOffset.UtcNow,
                Silo = Silo,
                Error = new StepError { Type = "OrleansAssets.AttemptNotStarted", Message = $"attempt {request.Attempt} did not start: silo {Silo} began to stop while it waited for a slot" },
            }, false, true);
        }

        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();

        // The step's maximum run time, on the silo's clock: past it the code's token fires, and it has the grace
        // period to stop before it is abandoned, as a canceled one.
        var maxRunTime = request.Spec.MaxRunTimeMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Value.StepTimeout;
        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        if (maxRunTime is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        using var codeToken = CancellationTokenSource.CreateLinkedTokenSource(attempt.Cancellation.Token, timeout.Token);
        var timeoutGraceOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onTimeout = timeout.Token.Register(() => Task.Delay(options.Value.CancelGracePeriod, time).ContinueWith(_ => timeoutGraceOver.TrySetResult(), TaskScheduler.Default));
        using (slot)
        {
            try
            {
                runLog.Started(Silo, startedAt);
                LogStepRunning(logger, key, request.RunId, request.Attempt);
                var location = codeLocations.Get(request.Spec.CodeLocation);
                var definition = location.Assets.GetValueOrDefault(key)
                    ?? throw new InvalidOperationException($"Code location '{location.Name}' ({location.Version}) on this silo does not define asset '{key}'; was it redeployed without it?");
                var services = location.GetServices(hostServices);
                var context = new AssetContext(key, request.RunId, runLog, request.Attempt, codeToken.Token)
                {
                    SelectedOutputs = request.Outputs.Count > 0 ? request.Outputs : [key],
                };

                // User code may block or burn CPU for minutes: it starts on a thread kept for user code, not on a pool
                // thread the silo's messaging needs.
                var code = slots.RunCodeAsync(async () =>
                {
                    var invocation = await AssetInvoker.InvokeAsync(definition, services, context, p => LoadInputAsync(request, location, services, p), request.Config);
                    StoredValue? value = null;
                    if (invocation.Value is { } returned && definition.Spec.Kind == StepKind.Asset)
                    {
                        var io = ioManagers.For(definition.Spec.IOManager, services);
                        value = await io.StoreAsync(new OutputContext(key, request.RunId), returned, CancellationToken.None);
                    }

                    var siblings = new List<OutputResult>(invocation.Siblings.Count);
                    foreach (var (sibling, result) in invocation.Siblings)
                    {
                        // Each output's value goes through its own IO manager, as if it had a step of its own.
                        StoredValue? stored = null;
                        if (result.Value is { } siblingValue)
                        {
                            var io = ioManagers.For(location.Assets.GetValueOrDefault(sibling)?.Spec.IOManager, services);
                            stored = await io.StoreAsync(new OutputContext(sibling, request.RunId), siblingValue, CancellationToken.None);
                        }

                        siblings.Add(new OutputResult
                        {
                            AssetKey = sibling,
                            Metadata = new Dictionary<string, MetadataValue>(result.Metadata, StringComparer.Ordinal),
                            DataVersion = result.DataVersion ?? stored?.DataVersion,
                            ValueLocation = stored?.Location,
                        });
                    }

                    return (value, invocation, siblings);
                });
                if (await Task.WhenAny(code, attempt.GraceOver, timeoutGraceOver.Task) == timeoutGraceOver.Task && !attempt.Cancellation.IsCancellationRequested)
                {
                    code.ContinueWith(t => t.Exception, TaskScheduler.Default).Ignore();
                    var (lateStart, lateLogs) = await runLog.DrainAsync();
                    return (TimedOut(request, maxRunTime!.Value, startedAt, clock.Elapsed.TotalMilliseconds, lateLogs, abandoned: true), lateStart, false);
                }

                if (!code.IsCompleted)
                {
                    // Its token fired and it did not stop: abandoned (it may still finish, unrecorded).
                    code.ContinueWith(t => t.Exception, TaskScheduler.Default).Ignore();
                    var (abandonedStart, abandonedLogs) = await runLog.DrainAsync();
                    LogAbandoned(logger, key, request.RunId, request.Attempt, options.Value.CancelGracePeriod);
                    return (Canceled(request, $"its run was canceled; its code did not stop within {options.Value.CancelGracePeriod} of its cancellation token and was abandoned", startedAt, clock.Elapsed.TotalMilliseconds, abandonedLogs), abandonedStart, false);
                }

                var (stored, result, outputs) = await code;
                var (startStored, held) = await runLog.DrainAsync();
                LogStepFinished(logger, key, request.RunId, request.Attempt, clock.Elapsed.TotalMilliseconds);
                return (new StepExecutionResult
                {
                    Succeeded = true,
                    Logs = held,
                    StartedAt = startedAt,
                    DurationMs = clock.Elapsed.TotalMilliseconds,
                    Metadata = new Dictionary<string, MetadataValue>(result.Metadata, StringComparer.Ordinal),
                    DataVersion = result.DataVersion ?? stored?.DataVersion,
                    ValueLocation = stored?.Location,
                    Silo = Silo,
                    Outputs = outputs,
                }, startStored, false);
            }
            catch (Exception e) when (attempt.Cancellation.IsCancellationRequested)
            {
                // Stopped on its token (an OperationCanceledException, or whatever its canceled I/O threw).
                var (canceledStart, canceledLogs) = await runLog.DrainAsync();
                return (Canceled(request, $"its run was canceled; its code stopped ({(e is UserCodeException ? e.InnerException!.GetType().Name : e.GetType().Name)})", startedAt, clock.Elapsed.TotalMilliseconds, canceledLogs), canceledStart, false);
            }
            catch (Exception) when (timeout.IsCancellationRequested)
            {
                // Stopped on its token when its maximum run time passed.
                var (timedOutStart, timedOutLogs) = await runLog.DrainAsync();
                return (TimedOut(request, maxRunTime!.Value, startedAt, clock.Elapsed.TotalMilliseconds, timedOutLogs, abandoned: false), timedOutStart, false);
            }
            catch (Exception e)
            {
                var fromUser = e is UserCodeException;
                var cause = fromUser ? e.InnerException! : e;
                LogStepThrew(logger, cause, key, request.RunId);
                var (startStored, held) = await runLog.DrainAsync();
                return (new StepExecutionResult
                {
                    Succeeded = false,
                    Logs = held,
                    StartedAt = startedAt,
                    DurationMs = clock.Elapsed.TotalMilliseconds,
                    Error = StepError.FromException(cause, fromUser),
                    Silo = Silo,
                    NeverRetry = request.Spec.Retry?.NeverRetries(cause) == true,
                }, startStored, false);
            }
        }
    }

    private StepExecutionResult TimedOut(StepExecutionRequest request, TimeSpan limit, DateTimeOffset startedAt, double durationMs, List<Runs.RunEvent> logs, bool abandoned) => new()
    {
        Succeeded = false,
        StartedAt = startedAt,
        DurationMs = durationMs,
        Logs = logs,
        Silo = Silo,
        Error = new StepError
        {
            Type = "OrleansAssets.StepTimedOut",
            Message = $"attempt {request.Attempt} timed out: its code ran longer than its maximum run time of {UserText.Duration(limit)}"
                + (abandoned ? $" and did not stop within {UserText.Duration(options.Value.CancelGracePeriod)} of its cancellation token, so it was abandoned (it may still finish, unrecorded)" : ""),
        },
    };

    private StepExecutionResult Canceled(StepExecutionRequest request, string why, DateTimeOffset startedAt, double durationMs, List<Runs.RunEvent> logs) => new()
    {
        Succeeded = false,
        Canceled = true,
        StartedAt = startedAt,
        DurationMs = durationMs,
        Logs = logs,
        Silo = Silo,
        Error = new StepError { Type = "OrleansAssets.Canceled", Message = $"attempt {request.Attempt}: {why}" },
    };

    /// <summary>
    /// Hands the outcome to the asset grain until it is recorded: while the storage is away the asset grain cannot
    /// record it, and the code must not run again for an outcome that exists. Given up only when this silo leaves.
    /// </summary>
    private async Task HandOverAsync(StepReport report)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grains.GetGrain<IAssetGrain>(report.Spec.Key).RecordOutcome(report);
                return;
            }
            catch (Exception e) when (!shutdown.Leaving.IsCancellationRequested)
            {
                LogHandOverFailed(logger, e, report.Spec.Key, report.RunId, report.Attempt, attempt, delay);
                try
                {
                    await Task.Delay(delay, shutdown.Leaving);
                }
                catch (OperationCanceledException)
                {
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(5_000, delay.TotalMilliseconds * 2));
            }
            catch (Exception e)
            {
                LogOutcomeLost(logger, e, report.Spec.Key, report.RunId, report.Attempt);
                return;
            }
        }
    }

    private async Task<object?> LoadInputAsync(StepExecutionRequest request, LoadedCodeLocation location, IServiceProvider services, AssetParameter parameter)
    {
        var upstream = parameter.UpstreamKey!;
        if (!request.InputRuns.TryGetValue(upstream, out var producedBy))
        {
            throw new InvalidOperationException($"No materialization of '{upstream}' to load for '{request.Spec.Key}'.");
        }

        // The upstream's own IO manager stored its value; one defined by another code location is not loaded here.
        var io = ioManagers.For(location.Assets.GetValueOrDefault(upstream)?.Spec.IOManager, services);
        return await io.LoadAsync(new InputContext(upstream, producedBy, request.Spec.Key), parameter.Type, CancellationToken.None);
    }

    /// <summary>One attempt running here: its request, its held events, its cancellation, and the work that runs it.</summary>
    internal sealed class Attempt(string executorKey, StepExecutionRequest request, RunEventLogger log, TimeSpan grace)
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _graceOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task? _running;

        /// <summary>The token user code gets in its <see cref="AssetContext"/>.</summary>
        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Completes once the attempt was canceled and the grace period has passed.</summary>
        public Task GraceOver => _graceOver.Task;

        public void Cancel()
        {
            if (Cancellation.IsCancellationRequested)
            {
                return;
            }

            Cancellation.Cancel();
            _ = Task.Delay(grace).ContinueWith(_ => _graceOver.TrySetResult(), TaskScheduler.Default);
        }

        public string ExecutorKey { get; } = executorKey;

        public StepExecutionRequest Request { get; } = request;

        public RunEventLogger Log { get; } = log;

        public void Begin(Func<Task> run)
        {
            lock (_gate)
            {
                _running ??= Task.Run(run);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running step {AssetKey} of run {RunId} (attempt {Attempt})")]
    private static partial void LogStepRunning(ILogger logger, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId} (attempt {Attempt}) ignored its cancellation for {Grace}: abandoned, its code may still finish")]
    private static partial void LogAbandoned(ILogger logger, string assetKey, Guid runId, int attempt, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {AssetKey} of run {RunId} (attempt {Attempt}) did not start: this silo is stopping; it goes to another silo")]
    private static partial void LogNotStarted(ILogger logger, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Finished step {AssetKey} of run {RunId} (attempt {Attempt}) in {DurationMs:F0} ms")]
    private static partial void LogStepFinished(ILogger logger, string assetKey, Guid runId, int attempt, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {AssetKey} of run {RunId} failed")]
    private static partial void LogStepThrew(ILogger logger, Exception exception, string assetKey, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {AssetKey} of run {RunId} (attempt {Attempt}): its outcome could not be recorded yet (try {Try}); keeping it and trying again in {Delay}")]
    private static partial void LogHandOverFailed(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt, int @try, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {AssetKey} of run {RunId} (attempt {Attempt}): this silo left before the outcome could be recorded; the run will try the step again")]
    private static partial void LogOutcomeLost(ILogger logger, Exception exception, string assetKey, Guid runId, int attempt);
}
