using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;

namespace OrleansAssets.Execution;

/// <summary>
/// Bounds how many steps run user code on this silo at once, so heavy steps cannot starve the silo's own work
/// (membership probes, messaging) of threads; and on shutdown lets the steps already running finish before the
/// silo leaves the cluster.
/// </summary>
internal sealed partial class StepSlots(IOptions<OrleansAssetsOptions> options, ILogger<StepSlots> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentStepsPerSilo, options.Value.MaxConcurrentStepsPerSilo);
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private volatile bool _draining;

    public int Running => Volatile.Read(ref _running);

    public async Task<IDisposable> EnterAsync()
    {
        Interlocked.Increment(ref _running);
        try
        {
            await _slots.WaitAsync();
            return new Slot(this);
        }
        catch
        {
            Leave(releaseSlot: false);
            throw;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        // Stopping at the Active stage happens first on shutdown, while the silo still answers calls.
        lifecycle.Subscribe(nameof(StepSlots), ServiceLifecycleStage.Active, _ => Task.CompletedTask, DrainAsync);

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (Running == 0)
        {
            return;
        }

        LogDraining(logger, Running, options.Value.ShutdownDrainTimeout);
        try
        {
            await _idle.Task.WaitAsync(options.Value.ShutdownDrainTimeout, cancellationToken);
            LogDrained(logger);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            LogDrainTimedOut(logger, Running);
        }
    }

    private void Leave(bool releaseSlot)
    {
        if (releaseSlot)
        {
            _slots.Release();
        }

        if (Interlocked.Decrement(ref _running) == 0 && _draining)
        {
            _idle.TrySetResult();
        }
    }

    private sealed class Slot(StepSlots owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(releaseSlot: true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: waiting up to {Timeout} for {Running} running step(s) to finish")]
    private static partial void LogDraining(ILogger logger, int running, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Every running step finished; leaving the cluster")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leaving with {Running} step(s) still running; their runs will retry them on other silos")]
    private static partial void LogDrainTimedOut(ILogger logger, int running);
}
