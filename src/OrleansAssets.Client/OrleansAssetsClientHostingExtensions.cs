using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrleansAssets.Client;

/// <summary>Where the cluster is. With no gateway set, the dev-mode silo on localhost.</summary>
public sealed class OrleansAssetsClientOptions
{
    /// <summary>Gateways as <c>host:port</c>; empty means the dev-mode silo on localhost:30000.</summary>
    public List<string> Gateways { get; set; } = [];

    public string ClusterId { get; set; } = "dev";

    public string ServiceId { get; set; } = "dev";
}

public static class OrleansAssetsClientHostingExtensions
{
    /// <summary>Adds an Orleans client for the cluster and <see cref="OrleansAssetsClient"/> on top of it.</summary>
    public static IHostApplicationBuilder AddOrleansAssetsClient(this IHostApplicationBuilder builder, Action<OrleansAssetsClientOptions>? configure = null)
    {
        var options = new OrleansAssetsClientOptions();
        configure?.Invoke(options);
        builder.UseOrleansClient(client =>
        {
            if (options.Gateways.Count == 0)
            {
                client.UseLocalhostClustering(serviceId: options.ServiceId, clusterId: options.ClusterId);
            }
            else
            {
                client.UseStaticClustering(options.Gateways.Select(ParseEndpoint).ToArray());
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }
        });
        builder.Services.AddSingleton<OrleansAssetsClient>();
        return builder;
    }

    private static IPEndPoint ParseEndpoint(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port))
        {
            throw new ArgumentException($"Gateway '{gateway}' is not host:port.", nameof(gateway));
        }

        var host = gateway[..colon];
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        return new IPEndPoint(address, port);
    }
}
