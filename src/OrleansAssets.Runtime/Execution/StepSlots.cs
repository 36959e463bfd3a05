using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;

namespace OrleansAssets.Execution;

/// <summary>
/// Bounds how many steps run user code on this silo at once, so heavy steps cannot starve the silo's own work
/// (membership probes, messaging) of threads.
/// </summary>
internal sealed class StepSlots(IOptions<OrleansAssetsOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentStepsPerSilo, options.Value.MaxConcurrentStepsPerSilo);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
