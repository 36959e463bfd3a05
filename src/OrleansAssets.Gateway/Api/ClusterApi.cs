using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Client;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;

namespace OrleansAssets.Gateway.Api;

/// <summary>The deployment: code locations and the silos that load them.</summary>
internal static class ClusterApi
{
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/code-locations", async (OrleansAssetsClient client) => TypedResults.Ok(new Page<CodeLocationInfo>(await client.ListCodeLocationsAsync(), null)))
            .WithName("listCodeLocations").WithTags("Deployment")
            .WithSummary("List code locations")
            .WithDescription("Each code location with its assembly, version, asset count and the live silos that load it.");
        api.MapGet("/silos", async (OrleansAssetsClient client) => TypedResults.Ok(new Page<SiloInfo>(await client.ListSilosAsync(), null)))
            .WithName("listSilos").WithTags("Deployment")
            .WithSummary("List silos")
            .WithDescription("Every silo of the cluster, live and dead, with its code locations and status.");
        return api;
    }
}
