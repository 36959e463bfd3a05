using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// A real silo in this process that listens on loopback TCP ports, so an <c>oa</c> process can reach it (the
/// in-process test cluster talks in memory), with in-memory storage.
/// </summary>
public sealed class TcpSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TcpSilo(IHost host, int gatewayPort, int listeningPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
        ListeningPort = listeningPort;
    }

    /// <summary>The gateway port the silo gives out (the one clients dial).</summary>
    public int GatewayPort { get; }

    /// <summary>The port the gateway listens on: the one it gives out, unless a forwarder sits in front of it.</summary>
    public int ListeningPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <param name="listeningPort">
    /// Where the gateway listens when not at <see cref="GatewayPort"/>: a client reaching it through a forwarder on
    /// the advertised port must be told that port, which Orleans uses to address the gateway's own system targets.
    /// </param>
    public static async Task<TcpSilo> StartAsync(string clusterId, string storageRoot, int? gatewayPort = null, int? listeningPort = null)
    {
        var siloPort = Oa.FreePort();
        var advertised = gatewayPort ?? Oa.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, advertised, serviceId: "orleansassets", clusterId: clusterId)
            .Configure<Orleans.Configuration.EndpointOptions>(o => o.GatewayListeningEndpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, listeningPort ?? advertised))
            .UseInMemoryAssetStorage()
            .AddOrleansAssets(options =>
            {
                options.IOManager.Root = storageRoot;
                // A step held by a test must not hold the silo's stop for the default minute.
                options.ShutdownDrainTimeout = TimeSpan.FromMilliseconds(500);
                options.AddCodeLocation<OutageLocation>("outage");
            }));
        var host = builder.Build();
        await host.StartAsync();
        return new TcpSilo(host, advertised, listeningPort ?? advertised);
    }

    /// <summary>A client of the SDK that reaches the silo as any program does: through its TCP gateway.</summary>
    public static async Task<(IHost Host, OrleansAssetsClient Client)> ConnectAsync(string gateway, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.AddOrleansAssetsClient(o =>
        {
            o.Gateways = [gateway];
            o.ClusterId = clusterId;
        });
        var host = builder.Build();
        await host.StartAsync();
        return (host, host.Services.GetRequiredService<OrleansAssetsClient>());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}

/// <summary>One asset that waits for the test to let it finish, so a run outlasts an outage made meanwhile.</summary>
public sealed class OutageLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<OutageAssets>();
}

public sealed class OutageAssets
{
    private static TaskCompletionSource _gate = NewGate();
    private static int _waiting;

    /// <summary>How many runs of <c>outlasting</c> wait at the gate now.</summary>
    public static int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Holds the next run of <c>outlasting</c> until <see cref="Open"/>.</summary>
    public static void Close() => _gate = NewGate();

    public static void Open() => _gate.TrySetResult();

    [Asset(Group = "outage")]
    public static async Task<MaterializeResult> Outlasting(AssetContext context)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _gate.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return new MaterializeResult { Metadata = { ["attempt"] = context.Attempt } };
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
