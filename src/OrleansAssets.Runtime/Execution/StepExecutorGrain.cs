using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;
using OrleansAssets.IO;
using OrleansAssets.Storage;

namespace OrleansAssets.Execution;

/// <summary>
/// Runs one attempt of one step on a silo that loads the step's code location: loads the inputs through their IO
/// managers, calls the user's method off the grain's scheduler, stores the returned value, and reports metadata
/// and timing. Values stay in the IO manager; only their location and version travel back.
/// </summary>
[CodeLocationPlacementFilter]
internal sealed partial class StepExecutorGrain(
    CodeLocationRegistry codeLocations,
    IOManagerResolver ioManagers,
    StepSlots slots,
    IRunEventWriter events,
    IServiceProvider hostServices,
    ILocalSiloDetails silo,
    ILogger<StepExecutorGrain> logger) : Grain, IStepExecutorGrain
{
    public async Task<StepExecutionResult> Execute(StepExecutionRequest request)
    {
        using var slot = await slots.EnterAsync();
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var key = request.Spec.Key;
        await using var runLog = new RunEventLogger(request.RunId, key, request.Attempt, events, logger);
        LogStepRunning(logger, key, request.RunId, request.Attempt);
        try
        {
            var location = codeLocations.Get(request.Spec.CodeLocation);
            var definition = location.Assets.GetValueOrDefault(key)
                ?? throw new InvalidOperationException($"Code location '{location.Name}' ({location.Version}) on this silo does not define asset '{key}'; was it redeployed without it?");
            var services = location.GetServices(hostServices);
            var context = new AssetContext(key, request.RunId, runLog, request.Attempt);

            // User code may block or burn CPU for minutes: run it on a thread of its own, not on this activation's
            // turn nor on a pool thread the silo's messaging needs.
            var (stored, result) = await Task.Factory.StartNew(async () =>
            {
                var invocation = await AssetInvoker.InvokeAsync(definition, services, context, p => LoadInputAsync(request, location, services, p));
                StoredValue? value = null;
                if (invocation.Value is { } returned)
                {
                    var io = ioManagers.For(definition.Spec.IOManager, services);
                    value = await io.StoreAsync(new OutputContext(key, request.RunId), returned, CancellationToken.None);
                }

                return (value, invocation);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            var logs = await runLog.DrainAsync();
            LogStepFinished(logger, key, request.RunId, request.Attempt, clock.Elapsed.TotalMilliseconds);
            return new StepExecutionResult
            {
                Succeeded = true,
                Logs = logs,
                StartedAt = startedAt,
                DurationMs = clock.Elapsed.TotalMilliseconds,
                Metadata = new Dictionary<string, MetadataValue>(result.Metadata, StringComparer.Ordinal),
                DataVersion = result.DataVersion ?? stored?.DataVersion,
                ValueLocation = stored?.Location,
                Silo = silo.SiloAddress.ToParsableString(),
            };
        }
        catch (Exception e)
        {
            var fromUser = e is UserCodeException;
            var cause = fromUser ? e.InnerException! : e;
            LogStepThrew(logger, cause, key, request.RunId);
            return new StepExecutionResult
            {
                Succeeded = false,
                Logs = await runLog.DrainAsync(),
                StartedAt = startedAt,
                DurationMs = clock.Elapsed.TotalMilliseconds,
                Error = StepError.FromException(cause, fromUser),
                Silo = silo.SiloAddress.ToParsableString(),
            };
        }
        finally
        {
            DeactivateOnIdle();
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Running step {AssetKey} of run {RunId} (attempt {Attempt})")]
    private static partial void LogStepRunning(ILogger logger, string assetKey, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Finished step {AssetKey} of run {RunId} (attempt {Attempt}) in {DurationMs:F0} ms")]
    private static partial void LogStepFinished(ILogger logger, string assetKey, Guid runId, int attempt, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {AssetKey} of run {RunId} failed")]
    private static partial void LogStepThrew(ILogger logger, Exception exception, string assetKey, Guid runId);
}
