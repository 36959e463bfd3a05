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

    /// <param name="read">
    /// Reads the run's page after a cursor (0: from the start), at most a page size of events; its token is
    /// canceled when the read outlasts <see cref="RunWatchOptions.ReadTimeout"/> or the caller stops.
    /// </param>
    public static async IAsyncEnumerable<RunDetails> WatchAsync(
        Func<long, int, CancellationToken, Task<RunDetails>> read,
        Guid runId,
        RunWatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long cursor = 0;
        while (true)
        {
            var after = cursor;
            var page = await ReadAsync(token => read(after, PageSize, token), runId, options, cancellationToken);

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

    /// <summary>Follows the pages to the run's end, reporting each event once; returns the last page with every event.</summary>
    public static async Task<RunDetails> WaitAsync(IAsyncEnumerable<RunDetails> pages, IProgress<RunEvent>? progress)
    {
        var events = new List<RunEvent>();
        RunDetails? last = null;
        await foreach (var page in pages)
        {
            foreach (var e in page.Events)
            {
                events.Add(e);
                progress?.Report(e);
            }

            last = page;
        }

        return last! with { Events = events };
    }

    /// <summary>One read, retried with backoff while it fails for a while and the caller lets it.</summary>
    /// <param name="read">The read; its token is canceled when it outlasts <see cref="RunWatchOptions.ReadTimeout"/>, so an HTTP request is not left behind.</param>
    public static async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, Guid runId, RunWatchOptions options, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var outageStarted = 0L;
        TransientError? last = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(options.ReadTimeout);
            try
            {
                // A read past its timeout is abandoned (its late answer is dropped) and counts as a transient failure.
                var result = await read(bounded.Token).WaitAsync(options.ReadTimeout, cancellationToken);
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
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && Transient(e) is { } transient)
            {
                // An abandoned read is told to stop (disposing its token's source would not tell it).
                await bounded.CancelAsync();
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
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // The caller gave up while a read was failing: that is what it is told, not the failure it no longer waits out.
                throw new OperationCanceledException("The wait for the run was canceled.", e, cancellationToken);
            }
        }
    }

    /// <summary>
    /// What <see cref="ClusterErrors.Classify"/> says; and a read that gave up on its own bounded token (not the
    /// caller's) did not answer in time, as a <see cref="TimeoutException"/> from the bound itself says.
    /// </summary>
    private static TransientError? Transient(Exception e) => e is OperationCanceledException
        ? new TransientError(OutageKind.Cluster, "the cluster did not answer in time", e)
        : ClusterErrors.Classify(e);
}
