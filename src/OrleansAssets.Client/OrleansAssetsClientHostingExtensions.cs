using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace OrleansAssets.Client;

/// <summary>
/// Where the cluster is: a Postgres database whose membership table lists every gateway (a cluster), fixed
/// gateways, or, with neither, the dev-mode silo on localhost.
/// </summary>
public sealed class OrleansAssetsClientOptions
{
    /// <summary>The cluster's Postgres: the client learns every live gateway from it and keeps up as silos come and go.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Gateways as <c>host:port</c>, when there is no database to ask.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The cluster's id; Orleans' "default" for the dev-mode silo (its localhost clustering keeps it), "orleansassets" for a Postgres cluster unless set.</summary>
    public string? ClusterId { get; set; }

    public string? ServiceId { get; set; }

    /// <summary>
    /// Reads the options the way every OrleansAssets process does: <c>ConnectionStrings:Postgres</c> or
    /// <c>OA_POSTGRES_*</c>, and <c>OrleansAssets:Cluster:ClusterId</c> / <c>ServiceId</c>.
    /// </summary>
    public static OrleansAssetsClientOptions FromConfiguration(IConfiguration configuration) => new()
    {
        PostgresConnectionString = OrleansAssets.PostgresConnectionString.From(configuration),
        ClusterId = configuration["OrleansAssets:Cluster:ClusterId"],
        ServiceId = configuration["OrleansAssets:Cluster:ServiceId"],
    };

    public string Describe() => PostgresConnectionString is { } postgres
        ? $"cluster '{ClusterId ?? Cluster.ClusterIdentity.ClusterId}' on Postgres {OrleansAssets.PostgresConnectionString.Describe(postgres)}"
        : Gateways.Count > 0 ? $"gateway(s) {string.Join(", ", Gateways)}" : "the dev-mode silo on localhost:30000";
}

public static class OrleansAssetsClientHostingExtensions
{
    /// <summary>Adds an Orleans client for the cluster and <see cref="OrleansAssetsClient"/> on top of it.</summary>
    /// <param name="configureClient">More for the Orleans client (a connection retry filter, extra services).</param>
    public static IHostApplicationBuilder AddOrleansAssetsClient(this IHostApplicationBuilder builder, Action<OrleansAssetsClientOptions>? configure = null, Action<IClientBuilder>? configureClient = null)
    {
        var options = OrleansAssetsClientOptions.FromConfiguration(builder.Configuration);
        configure?.Invoke(options);
        builder.UseOrleansClient(client =>
        {
            ConfigureConnection(client, options);
            configureClient?.Invoke(client);
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddOrleansAssetsClient();
        return builder;
    }

    /// <summary>
    /// Adds <see cref="OrleansAssetsClient"/> over the <see cref="IClusterClient"/> the host already has: a silo's own
    /// (a gateway hosted in the silo), or one set up with <c>UseOrleansClient</c>. Connects nothing by itself.
    /// </summary>
    public static IServiceCollection AddOrleansAssetsClient(this IServiceCollection services)
    {
        services.TryAddSingleton<OrleansAssetsClient>();
        services.TryAddSingleton<IOrleansAssetsClient>(sp => sp.GetRequiredService<OrleansAssetsClient>());
        return services;
    }

    /// <summary>Points an Orleans client at the cluster the options name (see <see cref="AddOrleansAssetsClient(IHostApplicationBuilder, Action{OrleansAssetsClientOptions}?, Action{IClientBuilder}?)"/>).</summary>
    public static IClientBuilder ConfigureConnection(IClientBuilder client, OrleansAssetsClientOptions options)
    {
        if (options.PostgresConnectionString is null && options.Gateways.Count == 0)
        {
            client.UseLocalhostClustering(serviceId: options.ServiceId ?? "dev", clusterId: options.ClusterId ?? "dev");
            return client;
        }

        if (options.PostgresConnectionString is { } postgres)
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });

            // Learn about silos that joined or died soon, not after the default minute.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        }
        else
        {
            client.UseStaticClustering(options.Gateways.Select(ParseEndpoint).ToArray());
        }

        client.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId ?? Cluster.ClusterIdentity.ClusterId;
            o.ServiceId = options.ServiceId ?? Cluster.ClusterIdentity.ServiceId;
        });

        return client;
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
