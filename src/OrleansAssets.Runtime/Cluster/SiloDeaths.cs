using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansAssets.Cluster;

/// <summary>
/// Tells when a silo is dead by the cluster's membership: the one judge of whether an attempt running there is
/// lost. A broken call says nothing of the kind (the grain may have moved, the caller's own silo may be stopping).
/// One watcher per silo serves every waiting step.
/// </summary>
internal sealed partial class SiloDeaths(IClusterMembershipService membership, ILogger<SiloDeaths> logger) : IDisposable
{
    /// <summary>A silo the membership has never listed is taken for dead after this long (a record from an earlier cluster).</summary>
    private static readonly TimeSpan UnknownGrace = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<SiloAddress, Watch> _watches = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Task? _watcher;

    public bool IsDead(string silo) => IsDead(SiloAddress.FromParsableString(silo), unknownSince: DateTime.UtcNow);

    /// <summary>Completes when <paramref name="silo"/> (<c>SiloAddress.ToParsableString()</c>) is dead.</summary>
    public Task WhenDead(string silo)
    {
        var address = SiloAddress.FromParsableString(silo);
        var watch = _watches.GetOrAdd(address, _ => new Watch(DateTime.UtcNow));
        if (IsDead(address, watch.Since))
        {
            watch.Dead.TrySetResult();
        }

        EnsureWatching();
        return watch.Dead.Task;
    }

    private bool IsDead(SiloAddress silo, DateTime unknownSince)
    {
        var snapshot = membership.CurrentSnapshot;
        if (snapshot.Members.TryGetValue(silo, out var member))
        {
            return member.Status == SiloStatus.Dead;
        }

        // A newer generation on the same endpoint means this one is gone.
        return snapshot.Members.Keys.Any(m => m.Endpoint.Equals(silo.Endpoint) && m.Generation > silo.Generation)
            || DateTime.UtcNow - unknownSince > UnknownGrace;
    }

    private void EnsureWatching()
    {
        if (_watcher is not null)
        {
            return;
        }

        lock (_gate)
        {
            _watcher ??= Task.Run(WatchAsync);
        }
    }

    private async Task WatchAsync()
    {
        var updates = membership.MembershipUpdates.GetAsyncEnumerator(_disposed.Token);
        try
        {
            Task<bool>? next = null;
            while (!_disposed.IsCancellationRequested)
            {
                next ??= updates.MoveNextAsync().AsTask();

                // Re-judge on every membership change, and now and then for silos the membership never listed.
                if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(2), _disposed.Token)) == next)
                {
                    if (!await next)
                    {
                        return;
                    }

                    next = null;
                }

                foreach (var (silo, watch) in _watches)
                {
                    if (IsDead(silo, watch.Since))
                    {
                        watch.Dead.TrySetResult();
                        _watches.TryRemove(silo, out _);
                        LogDead(logger, silo);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    public void Dispose() => _disposed.Cancel();

    private sealed record Watch(DateTime Since)
    {
        public TaskCompletionSource Dead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} is dead by the membership; steps that were running there will be tried again")]
    private static partial void LogDead(ILogger logger, SiloAddress silo);
}
