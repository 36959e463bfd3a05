using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansAssets;
using OrleansAssets.Gateway.Hosting;
using OrleansAssets.Hosting;
using OrleansAssets.Postgres;
using OrleansAssets.Silo;

// One silo binary for every deployment. With a Postgres connection configured (ConnectionStrings__Postgres or
// OA_POSTGRES_*) it joins that cluster; without one it runs dev mode: one silo on localhost, in-memory storage,
// the example pipeline loaded when no code location is configured, and the gateway (API and dashboards) in-process.
// Settings ship beside the binary; relative data paths (IO manager root, outputs) stay relative to the working directory.
var contentRoot = AppContext.BaseDirectory;
var probe = new ConfigurationManagerProbe(args, contentRoot);
var postgres = OrleansAssetsPostgres.ConnectionStringFrom(probe.Configuration);
try
{
    if (postgres is null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        var endpoint = GatewayEndpoint.From(builder.Configuration);
        var ports = ClusterSettings.From(builder.Configuration);
        builder.WebHost.UseUrls(endpoint.Url);
        builder.UseOrleans(silo =>
        {
            // The same port settings as a cluster silo (OrleansAssets__Cluster__SiloPort / __GatewayPort), 11111 and 30000 by default.
            silo.UseLocalhostClustering(ports.SiloPort, ports.GatewayPort);
            silo.UseInMemoryAssetStorage();
            silo.AddOrleansAssetsSiloDashboard();
            silo.AddOrleansAssets(options =>
            {
                if (options.CodeLocations.Count == 0)
                {
                    options.CodeLocations.Add(new CodeLocationOptions { Assembly = Path.Combine(AppContext.BaseDirectory, "codelocations", "SalesPipeline", "SalesPipeline.dll") });
                }
            });
        });
        builder.Services.AddOrleansAssetsGateway(builder.Configuration);
        var app = builder.Build();
        app.MapOrleansAssets();
        Console.Error.WriteLine(
            $"OrleansAssets dev mode: one silo on localhost (gateway {ports.GatewayPort}) with in-memory storage; its state is NOT kept across restarts.");
        Console.Error.WriteLine($"OrleansAssets dashboard: {endpoint.BrowseUrl} (API {endpoint.BrowseUrl}/api/v1, reference {endpoint.BrowseUrl}/api); it {endpoint.Access}.");
        Console.Error.WriteLine("Materialize with: dotnet run --project client -- materialize --select '*' --wait");
        await app.RunAsync();
    }
    else
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = contentRoot });
        var cluster = ClusterSettings.From(builder.Configuration);
        var advertised = cluster.ResolveAdvertisedAddress();
        OrleansAssetsOptions? assets = null;
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            if (cluster.SiloName is { Length: > 0 } name)
            {
                silo.Configure<SiloOptions>(o => o.SiloName = name);
            }

            // Fast failure detection on purpose: a killed silo's steps are re-run elsewhere within seconds.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = cluster.ProbeTimeout;
                o.NumMissedProbesLimit = cluster.MissedProbesLimit;
                o.NumVotesForDeathDeclaration = cluster.VotesForDeathDeclaration;
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            silo.UsePostgresAssetStorage(o => o.ConnectionString = postgres);

            // The gateway's /orleans pages read what each silo's dashboard service collects.
            silo.AddOrleansAssetsSiloDashboard();
            silo.AddOrleansAssets(o => assets = o);
        });

        // A stopping silo lets its running steps finish first; the host must wait for that.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = (assets?.ShutdownDrainTimeout ?? TimeSpan.FromSeconds(60)) + TimeSpan.FromSeconds(30));
        Console.Error.WriteLine(
            $"OrleansAssets silo: cluster '{cluster.ClusterId}' on Postgres {OrleansAssetsPostgres.Describe(postgres)}; " +
            $"silo {advertised}:{cluster.SiloPort}, gateway {cluster.GatewayPort}; " +
            $"code locations: {(assets is null || assets.CodeLocations.Count == 0 ? "none" : string.Join(", ", assets.CodeLocations.Select(c => c.Name ?? Path.GetFileNameWithoutExtension(c.Assembly))))}");
        await builder.Build().RunAsync();
    }

    return 0;
}
catch (Exception e) when (Unwrap(e) is OrleansAssetsException problem)
{
    // Bad user code, configuration or database: one clear line, not a stack of framework frames.
    Console.Error.WriteLine($"error: {problem.Message}");
    return 2;
}

static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
