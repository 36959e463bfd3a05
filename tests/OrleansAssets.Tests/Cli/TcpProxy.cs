using System.Net;
using System.Net.Sockets;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// A TCP forwarder in front of a gateway: a client that reaches the cluster through it loses the gateway when it
/// is cut (connections reset, new ones refused) and finds it again when restored, while the silo runs on.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<Socket> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cut = new();
    private Task _accepting = Task.CompletedTask;

    public TcpProxy(int port, IPEndPoint target)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public void Restore()
    {
        _cut = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _cut.Token);
    }

    /// <summary>Refuses new connections and resets the open ones, as a gateway that went away does.</summary>
    public async Task CutAsync()
    {
        await _cut.CancelAsync();
        _listener?.Stop();
        lock (_open)
        {
            foreach (var socket in _open)
            {
                try
                {
                    // Linger 0: a reset, as from a host that is gone, and no TIME_WAIT holding the port.
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (ObjectDisposedException)
                {
                    // Its forwarding had ended already.
                }
            }

            _open.Clear();
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cut)
    {
        while (!cut.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cut);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(server);
            }

            _ = ForwardAsync(client, server, cut);
        }
    }

    private async Task ForwardAsync(Socket client, Socket server, CancellationToken cut)
    {
        try
        {
            await server.ConnectAsync(_target, cut);
            await using var fromClient = new NetworkStream(client, ownsSocket: false);
            await using var fromServer = new NetworkStream(server, ownsSocket: false);
            await Task.WhenAny(fromClient.CopyToAsync(fromServer, cut), fromServer.CopyToAsync(fromClient, cut));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Close();
            server.Close();
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();
}
