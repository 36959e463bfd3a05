using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;

namespace OrleansAssets.Execution;

/// <summary>
/// Bounds how many steps run user code on this silo at once, so heavy steps cannot starve the silo's own work
/// (membership probes, messaging) of threads, and starts each step's code on a thread kept for user code.
/// </summary>
/// <remarks>
/// User code may block or burn CPU before its first await, so it does not start on a pool thread the silo's messaging
/// needs. A thread of its own per step (a long-running task) cost a thread start each time, the largest CPU cost of a
/// short step in the benchmark's profile; the threads here are kept and reused. One is started only when none is free,
/// which with one step per slot happens only while abandoned code (past its timeout) still holds one.
/// </remarks>
internal sealed class StepSlots(IOptions<OrleansAssetsOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentStepsPerSilo, options.Value.MaxConcurrentStepsPerSilo);
    private readonly BlockingCollection<(ExecutionContext? Context, Action Start)> _starts = new();
    private readonly Lock _gate = new();
    private int _free;
    private int _threads;

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    /// <summary>
    /// Runs <paramref name="code"/> up to its first await on a user-code thread; what follows its awaits runs where
    /// awaits resume by default (the thread pool), as it would after any long-running start.
    /// </summary>
    public Task<T> RunCodeAsync<T>(Func<Task<T>> code)
    {
        var started = new TaskCompletionSource<Task<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_free == 0)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = $"oa-step-{++_threads}" };
                thread.Start();
                _free++;
            }

            _free--;
        }

        // The caller's execution context (its logging scopes, Orleans' request context) goes with the code, as it
        // would with Task.Factory.StartNew.
        _starts.Add((ExecutionContext.Capture(), () =>
        {
            try
            {
                started.SetResult(code());
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }));
        return started.Task.Unwrap();
    }

    private void Work()
    {
        foreach (var (context, start) in _starts.GetConsumingEnumerable())
        {
            if (context is null)
            {
                start();
            }
            else
            {
                ExecutionContext.Run(context, static s => ((Action)s!)(), start);
            }

            lock (_gate)
            {
                _free++;
            }
        }
    }

    public void Dispose() => _starts.CompleteAdding();

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
