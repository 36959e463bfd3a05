namespace OrleansAssets.Hosting;

/// <summary>
/// Work that runs in the background while the silo is active, as .NET's <c>BackgroundService</c> does for a host:
/// it starts once the silo has joined the cluster and is cancelled, and awaited, when the silo stops.
/// </summary>
public abstract class SiloBackgroundService : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        GetType().Name,
        ServiceLifecycleStage.Active,
        _ =>
        {
            _running = RunUntilStoppedAsync(_stopping.Token);
            return Task.CompletedTask;
        },
        async _ =>
        {
            await _stopping.CancelAsync();
            if (_running is not null)
            {
                await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });

    /// <summary>Runs until <paramref name="stopping"/> is cancelled; a cancellation it throws then is expected.</summary>
    protected abstract Task ExecuteAsync(CancellationToken stopping);

    private async Task RunUntilStoppedAsync(CancellationToken stopping)
    {
        try
        {
            await ExecuteAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
