using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansAssets.Hosting;

/// <summary>
/// A silo's graceful stop (SIGTERM), as OrleansAssets takes part in it: once the cluster sees the silo as
/// shutting down (so nothing new is placed here), its run grains stop and are handed over to other silos at once,
/// executors refuse new attempts, and the attempts already running here finish and hand their outcomes over
/// before the silo leaves, up to <see cref="OrleansAssetsOptions.ShutdownDrainTimeout"/>.
/// </summary>
/// <remarks>
/// It stops at the <c>BecomeActive</c> stage, beside Orleans' own move of the silo to ShuttingDown and before
/// grains are deactivated; the silo still answers calls, so the outcomes of the last attempts reach their asset
/// grains wherever those live.
/// </remarks>
public sealed partial class GracefulShutdown(
    IOptions<OrleansAssetsOptions> options,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IGrainFactory grains,
    ILogger<GracefulShutdown> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _leaving = new();
    private readonly ConcurrentDictionary<Guid, byte> _runs = new();
    private readonly TaskCompletionSource _stoppingSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private TaskCompletionSource? _drained;
    private int _attempts;

    /// <summary>Cancelled when the silo begins its graceful stop: run grains hand over, executors refuse new attempts.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Completes when the silo begins its graceful stop (for grains that wait on several things at once).</summary>
    public Task StoppingTask => _stoppingSignal.Task;

    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Cancelled when the drain is over (or timed out): whatever still runs here is given up.</summary>
    public CancellationToken Leaving => _leaving.Token;

    /// <summary>Attempts running here now (from their start until their outcome is handed over).</summary>
    public int RunningAttempts => Volatile.Read(ref _attempts);

    /// <summary>Counts an attempt until the returned handle is disposed; the silo waits for it when it stops.</summary>
    public IDisposable TrackAttempt()
    {
        Interlocked.Increment(ref _attempts);
        return new AttemptHandle(this);
    }

    /// <summary>A run grain is active here: hand it over if the silo stops.</summary>
    public void RunActivated(Guid runId) => _runs.TryAdd(runId, 0);

    public void RunDeactivated(Guid runId) => _runs.TryRemove(runId, out _);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GracefulShutdown), ServiceLifecycleStage.BecomeActive, _ => Task.CompletedTask, StopAsync);

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();

        // Placement must already pass this silo by, or a handed-over run grain could land right back here.
        for (var i = 0; i < 100 && membership.CurrentSnapshot.GetSiloStatus(localSilo.SiloAddress) == SiloStatus.Active; i++)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        var runs = _runs.Keys.ToList();
        LogStopping(logger, runs.Count, RunningAttempts, options.Value.ShutdownDrainTimeout);
        lock (_gate)
        {
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (RunningAttempts == 0)
            {
                _drained.TrySetResult();
            }
        }

        await _stopping.CancelAsync();
        _stoppingSignal.TrySetResult();

        var handover = HandOverAsync(runs, clock, cancellationToken);
        try
        {
            await _drained.Task.WaitAsync(options.Value.ShutdownDrainTimeout, cancellationToken);
            LogDrained(logger, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            LogDrainTimedOut(logger, RunningAttempts);
        }

        await _leaving.CancelAsync();
        await handover.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Asks each run that was active here to resume: the call waits until the stopping activation has gone, then
    /// activates the run grain on another silo, which goes on from the run's records.
    /// </summary>
    private async Task HandOverAsync(List<Guid> runs, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (runs.Count == 0)
        {
            return;
        }

        if (!membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(localSilo.SiloAddress)))
        {
            // The last silo (dev mode, or a cluster going down whole): the runs resume when a silo starts again.
            LogNoSiloToHandOverTo(logger, runs.Count);
            return;
        }

        var handedOver = 0;
        await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = CancellationToken.None }, async (run, _) =>
        {
            for (var attempt = 1; attempt <= 100 && !cancellationToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await grains.GetGrain<Runs.IRunGrain>(run).Resume();
                    Interlocked.Increment(ref handedOver);
                    return;
                }
                catch (NotFoundException)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Still the stopping activation (it refuses), or no other silo answered yet.
                    if (attempt % 20 == 0)
                    {
                        LogHandOverRetry(logger, e, run);
                    }

                    await Task.Delay(100, CancellationToken.None);
                }
            }
        });
        LogHandedOver(logger, handedOver, runs.Count, clock.Elapsed.TotalMilliseconds);
    }

    private void AttemptEnded()
    {
        if (Interlocked.Decrement(ref _attempts) == 0)
        {
            lock (_gate)
            {
                _drained?.TrySetResult();
            }
        }
    }

    private sealed class AttemptHandle(GracefulShutdown owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.AttemptEnded();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: handing over {Runs} run(s); waiting up to {Timeout} for {Attempts} running step(s) to finish")]
    private static partial void LogStopping(ILogger logger, int runs, int attempts, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed over {HandedOver} of {Runs} run(s) to other silos in {ElapsedMs:F0} ms")]
    private static partial void LogHandedOver(ILogger logger, int handedOver, int runs, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "No other silo is up to take over {Runs} unfinished run(s); they resume when one starts")]
    private static partial void LogNoSiloToHandOverTo(ILogger logger, int runs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} is not handed over yet; trying again")]
    private static partial void LogHandOverRetry(ILogger logger, Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Every running step finished and handed over its outcome in {ElapsedMs:F0} ms; leaving the cluster")]
    private static partial void LogDrained(ILogger logger, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leaving with {Running} step(s) still running; their runs will retry them on other silos")]
    private static partial void LogDrainTimedOut(ILogger logger, int running);
}
