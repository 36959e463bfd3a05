using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OrleansAssets;
using OrleansAssets.Client;
using OrleansAssets.Gateway.Hosting;

// The gateway of a cluster: an Orleans client that finds the silos in Postgres' membership table (the same settings as
// a silo: ConnectionStrings__Postgres or OA_POSTGRES_*, OrleansAssets__Cluster__ClusterId), and serves the API and the
// dashboards on OrleansAssets__Gateway__Port (3000). `--health-check URL` asks a running one whether it is ready,
// for a container healthcheck that has neither curl nor wget.
if (args is ["--health-check", var url])
{
    return await HealthCheck.ProbeAsync(url);
}

try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var endpoint = GatewayEndpoint.From(builder.Configuration);
    builder.WebHost.UseUrls(endpoint.Url);
    var target = OrleansAssetsClientOptions.FromConfiguration(builder.Configuration);
    if (target.PostgresConnectionString is null)
    {
        throw new OrleansAssetsException("The gateway needs the cluster's Postgres: set ConnectionStrings__Postgres, or OA_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DB).");
    }

    builder.AddOrleansAssetsClient(configureClient: client => client.AddOrleansAssetsSiloDashboard().UseConnectionRetryFilter(RetryForever));
    builder.Services.AddOrleansAssetsGateway(builder.Configuration, target.PostgresConnectionString);
    var app = builder.Build();
    app.MapOrleansAssets();
    Console.Error.WriteLine($"OrleansAssets gateway for {target.Describe()}: {endpoint.BrowseUrl} (API {endpoint.BrowseUrl}/api/v1, reference {endpoint.BrowseUrl}/api); it {endpoint.Access}.");
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is OrleansAssetsException || e.InnerException is OrleansAssetsException)
{
    Console.Error.WriteLine($"error: {(e as OrleansAssetsException ?? e.InnerException)!.Message}");
    return 2;
}

// A gateway that starts before the silos (compose starts them together) waits for them instead of exiting.
static async Task<bool> RetryForever(Exception failure, CancellationToken cancellationToken)
{
    Console.Error.WriteLine($"gateway: no silo of the cluster answers yet ({failure.Message}); trying again in 2 s");
    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
    return true;
}

internal static class HealthCheck
{
    public static async Task<int> ProbeAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
