using System.Diagnostics;
using System.Runtime.CompilerServices;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// Follows one run page by page from a cursor, retrying reads that fail for a while. Apart from the client so the
/// retry and cursor rules can be tested against any source of pages.
/// </summary>
internal static class RunWatcher
{
    /// <summary>The most events one read asks for (the query grain's own limit); a full page means more follow.</summary>
    public const int PageSize = 10_000;

    /// <param name="read">Reads the run's page after a cursor (0: from the start), at most a page size of events.</param>
    public static async IAsyncEnumerable<RunDetails> WatchAsync(
        Func<long, int, Task<RunDetails>> read,
        Guid runId,
        RunWatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long cursor = 0;
        while (true)
        {
            var after = cursor;
            var page = await ReadAsync(() => read(after, PageSize), runId, options, cancellationToken);

            // Never go back: what is at or before the cursor was yielded already, whatever a retried read returns.
            var fresh = page.Events.Where(e => e.Sequence > after).OrderBy(e => e.Sequence).ToList();
            cursor = Math.Max(after, Math.Max(page.NextCursor, fresh.Count > 0 ? fresh[^1].Sequence : 0));
            yield return page with { Events = fresh, NextCursor = cursor };

            // A full page leaves events to read even when the run has finished: read on at once.
            var full = page.Events.Count >= PageSize;
            if (full)
            {
                continue;
            }

            if (page.Run.IsFinished)
            {
                yield break;
            }

            await Task.Delay(options.PollInterval, cancellationToken);
        }
    }

    /// <summary>One read, retried with backoff while it fails for a while and the caller lets it.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Guid runId, RunWatchOptions options, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var outageStarted = 0L;
        TransientError? last = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // A read past its timeout is abandoned (its late answer is dropped) and counts as a transient failure.
                var result = await read().WaitAsync(options.ReadTimeout, cancellationToken);
                if (last is not null)
                {
                    options.Interruptions?.Report(new RunWatchInterruption
                    {
                        RunId = runId,
                        Error = last,
                        Attempt = attempt,
                        Outage = Stopwatch.GetElapsedTime(outageStarted),
                        Resumed = true,
                    });
                }

                return result;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && ClusterErrors.Classify(e) is { } transient)
            {
                if (attempt++ == 0)
                {
                    outageStarted = Stopwatch.GetTimestamp();
                }

                last = transient;
                var outage = Stopwatch.GetElapsedTime(outageStarted);
                if (options.MaxOutage is { } limit && outage >= limit)
                {
                    throw;
                }

                var delay = options.RetryDelay(attempt);
                options.Interruptions?.Report(new RunWatchInterruption
                {
                    RunId = runId,
                    Error = transient,
                    Attempt = attempt,
                    RetryIn = delay,
                    Outage = outage,
                });
                await Task.Delay(delay, cancellationToken);
            }
        }
    }
}
