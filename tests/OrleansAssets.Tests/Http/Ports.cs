using System.Net;
using System.Net.Sockets;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// Loopback ports for the processes these tests start, from 38000-38999: other work on this machine keeps to
/// ranges of its own, and the dev silo's defaults (3000, 11111, 30000) may be taken at any time.
/// </summary>
public static class Ports
{
    private const int First = 38000;
    private const int Count = 1000;
    private static int _next = First + Random.Shared.Next(Count);

    /// <summary>A port nothing listens on now (bound and released at once); never the same twice in this process.</summary>
    public static int Free()
    {
        for (var tries = 0; tries < Count; tries++)
        {
            var port = First + (Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"No free loopback port in {First}-{First + Count - 1}.");
    }
}
