using System.Net.Sockets;
using System.Text.RegularExpressions;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace OrleansAssets.Client;

/// <summary>What went away when a call failed for a while rather than for good.</summary>
public enum OutageKind
{
    /// <summary>The silos answered but their database did not (a Postgres restart, a lost connection).</summary>
    Storage,

    /// <summary>No gateway of the cluster answered, or the silo a call went to left.</summary>
    Cluster,
}

/// <summary>A failure that passes: the same call can succeed once the storage or a gateway is back.</summary>
/// <param name="Kind">What is away.</param>
/// <param name="Reason">One line for people, for example <c>the cluster's storage is unavailable (…)</c>.</param>
/// <param name="Exception">The failure as the call threw it.</param>
public sealed record TransientError(OutageKind Kind, string Reason, Exception Exception);

/// <summary>
/// Tells failures that pass (the storage or a gateway is away for a while) from those that do not (an unknown run,
/// a bad selection), the way <see cref="OrleansAssetsClient.WaitForRunAsync(Guid, IProgress{Runs.RunEvent}?, RunWatchOptions, CancellationToken)"/>
/// decides what to retry. Callers can use it to choose their own exit codes or retries.
/// </summary>
public static partial class ClusterErrors
{
    /// <summary>The transient failure <paramref name="exception"/> is, or null when retrying the same call cannot help.</summary>
    public static TransientError? Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var e in Chain(exception))
        {
            switch (e)
            {
                case StorageUnavailableException:
                    return new(OutageKind.Storage, $"the cluster's storage is unavailable ({UserText.Shorten(e.Message, 200)})", exception);

                // Over HTTP: the gateway is away (a restart is an outage too), or the cluster behind it is.
                case Http.GatewayUnreachableException unreachable:
                    return new(OutageKind.Cluster, $"no gateway answers at {Http.GatewayUnreachableException.Describe(unreachable.Url)} ({unreachable.Reason})", exception);

                case Http.ClusterUnavailableException:
                    return new(OutageKind.Cluster, UserText.Shorten(Uncapitalized(e.Message.TrimEnd('.')), 300), exception);

                // Ours, and about the request itself (an unknown run or asset, a bad selection, a missing token): the same call fails again.
                case OrleansAssetsException:
                    return null;

                // A silo whose database call failed with an exception that cannot cross a grain call: the database is away.
                case CodecNotFoundException when e.Message.Contains("Npgsql", StringComparison.Ordinal):
                    return new(OutageKind.Storage, "the cluster's storage is unavailable (a silo's database call failed)", exception);

                case SiloUnavailableException:
                    return new(OutageKind.Cluster, "the silo serving this call left the cluster", exception);

                case ConnectionFailedException or SocketException or Orleans.Networking.Shared.SocketConnectionException:
                    return new(OutageKind.Cluster, $"no gateway of the cluster answers ({Detail(e)})", exception);

                case OrleansMessageRejectionException or GatewayTooBusyException or ClientNotAvailableException:
                    return new(OutageKind.Cluster, $"the cluster turned the call away ({Detail(e)})", exception);

                case TimeoutException:
                    return new(OutageKind.Cluster, "the cluster did not answer in time", exception);

                // While silos stop or start, none may host a grain type yet: "No active nodes are compatible with grain ...".
                case OrleansException when e.Message.Contains("No active nodes are compatible", StringComparison.Ordinal):
                    return new(OutageKind.Cluster, "no silo of the cluster can take the call yet (silos are stopping or starting)", exception);

                case OrleansException when e.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase):
                    return new(OutageKind.Cluster, $"no gateway of the cluster answers ({Detail(e)})", exception);
            }
        }

        return null;
    }

    private static string Uncapitalized(string text) => text.Length == 0 ? text : char.ToLowerInvariant(text[0]) + text[1..];

    /// <summary>The innermost message says what happened ("Connection refused"); outer ones say "see the inner exception".</summary>
    private static string Detail(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        // Orleans names endpoints as silo addresses (S127.0.0.1:30000:0); people know them as host:port.
        // ", will retry after 997.1053ms" is Orleans' own schedule, not what the watch does.
        return UserText.Shorten(RetrySchedule().Replace(SiloAddress().Replace(e.Message.TrimEnd('.'), "$1"), ""), 200);
    }

    [GeneratedRegex(@"\bS(\d{1,3}(?:\.\d{1,3}){3}:\d+):\d+")]
    private static partial Regex SiloAddress();

    [GeneratedRegex(@", will retry after [\d.]+ ?ms")]
    private static partial Regex RetrySchedule();

    /// <summary>The exception and every one inside it, outermost first.</summary>
    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        var seen = 0;
        while (pending.Count > 0 && seen++ < 32)
        {
            var e = pending.Pop();
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.Reverse())
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
