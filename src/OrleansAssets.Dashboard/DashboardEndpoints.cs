using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrleansAssets.Dashboard;

/// <summary>Maps the web dashboard (built into this assembly) onto an ASP.NET Core app.</summary>
public static class DashboardEndpoints
{
    /// <summary>The dashboard's client routes: each answers with index.html, and the page draws the route itself.</summary>
    public static IReadOnlyList<string> ClientRoutes { get; } =
    [
        "/", "/assets", "/assets/{**key}", "/runs", "/runs/{id}", "/deployment",
        "/jobs", "/jobs/{name}", "/automation", "/automation/schedules/{name}", "/automation/sensors/{name}", "/queue",
    ];

    /// <summary>Where the hashed bundles are served from (a year of caching: their names change with their content).</summary>
    public const string StaticPrefix = "/static";

    /// <summary>
    /// Serves the dashboard: the hashed bundles under <c>/static/</c> (cached for a year), the few other built files at
    /// their own paths, and <c>index.html</c> (never cached) for the client routes <see cref="ClientRoutes"/>. It maps
    /// nothing else, so <c>/api/*</c>, <c>/openapi/*</c>, <c>/health/*</c>, <c>/orleans*</c> and <c>/login</c> stay the
    /// gateway's. The pages call the REST API at <c>/api/v1</c> and its stream on the same origin, with cookies.
    /// </summary>
    /// <returns>The group of every dashboard endpoint, to require authorization on (<c>.RequireAuthorization()</c>).</returns>
    public static RouteGroupBuilder MapOrleansAssetsDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var files = DashboardFiles.Instance;
        var group = endpoints.MapGroup("");
        string[] methods = [HttpMethods.Get, HttpMethods.Head];

        group.MapMethods(StaticPrefix + "/{**path}", methods, context =>
        {
            var path = context.Request.RouteValues["path"] as string ?? "";
            return files.TryGet("static/" + path, out var file)
                ? DashboardFiles.WriteAsync(context, file, DashboardFiles.Immutable)
                : DashboardFiles.NotFoundAsync(context);
        }).WithDisplayName("Dashboard static files");

        foreach (var file in files.TopLevel)
        {
            group.MapMethods("/" + file.Path, methods, context => DashboardFiles.WriteAsync(context, file, DashboardFiles.Revalidate))
                .WithDisplayName("Dashboard " + file.Path);
        }

        foreach (var route in ClientRoutes)
        {
            group.MapMethods(route, methods, context => DashboardFiles.WriteAsync(context, files.Index, DashboardFiles.Revalidate))
                .WithDisplayName("Dashboard page " + route);
        }

        group.ExcludeFromDescription();
        return group;
    }
}
