using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;

namespace OrleansAssets.Cli;

/// <summary>The cluster could not be reached; the message says where <c>oa</c> looked and how to start one.</summary>
internal sealed class ClusterUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A connected client for one command, from the gateways given or the dev-mode silo on localhost.</summary>
internal sealed class ClusterSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterSession(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<OrleansAssetsClient>();
    }

    public OrleansAssetsClient Client { get; }

    public static async Task<ClusterSession> ConnectAsync(OrleansAssetsClientOptions target, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // stdout carries the command's output (often JSON): the client's own logging stays off it.
        builder.Logging.ClearProviders();
        builder.AddOrleansAssetsClient(o =>
        {
            o.PostgresConnectionString = target.PostgresConnectionString;
            o.Gateways = target.Gateways;
            o.ClusterId = target.ClusterId;
            o.ServiceId = target.ServiceId;
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return new ClusterSession(host);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            var hint = target.PostgresConnectionString is null
                ? "Start one with: dotnet run --project silo (dev mode) or scripts/cluster up"
                : "Are its silos up? (scripts/cluster status)";
            throw new ClusterUnreachableException($"Cannot reach {target.Describe()}: {Reason(e)}. {hint}", e);
        }
    }

    private static string Reason(Exception e) => e.Message.Contains("Not all required queries found", StringComparison.Ordinal)
        ? "the database has no OrleansAssets schema yet (a silo creates it when it first starts)"
        : e.Message;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(2));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
