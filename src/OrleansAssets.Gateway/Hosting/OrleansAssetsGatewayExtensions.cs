using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Orleans.Dashboard;
using OrleansAssets.Client;
using OrleansAssets.Dashboard;
using OrleansAssets.Gateway.Api;
using OrleansAssets.Gateway.Security;
using OrleansAssets.Gateway.Streaming;
using Scalar.AspNetCore;

namespace OrleansAssets.Gateway.Hosting;

public static class OrleansAssetsGatewayExtensions
{
    /// <summary>
    /// The gateway's services over the host's Orleans cluster client (a silo's own, or one from
    /// <c>AddOrleansAssetsClient</c>): the API's JSON and problem details, the OpenAPI document, token auth, health
    /// checks (Postgres too when <paramref name="postgresConnectionString"/> is given) and the live event stream.
    /// </summary>
    public static IServiceCollection AddOrleansAssetsGateway(this IServiceCollection services, IConfiguration configuration, string? postgresConnectionString = null)
    {
        services.AddOptions<OrleansAssetsGatewayOptions>().Bind(configuration.GetSection(OrleansAssetsGatewayOptions.SectionName));
        services.AddOptions<GatewayAuthOptions>().Bind(configuration.GetSection(GatewayAuthOptions.SectionName));
        services.AddOrleansAssetsClient();
        services.Configure<JsonOptions>(o => GatewayJson.Apply(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemMapping>();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "OrleansAssets API",
                Version = "v1",
                Description = "Assets, their lineage and materializations; runs, their steps and events, the run queue; jobs, schedules and sensors; the deployment; a live stream of run events. Lists are pages of {items, next}: pass next as cursor for the following page. Errors are problem details (application/problem+json).",
                License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
            };
            document.Servers = [new OpenApiServer { Url = "/", Description = "This gateway" }];
            document.Tags = new HashSet<OpenApiTag>
            {
                new() { Name = "Assets", Description = "Assets, their lineage and their materializations." },
                new() { Name = "Runs", Description = "Start runs and follow their steps and events; the run queue; cancel a run." },
                new() { Name = "Jobs", Description = "Named selections of assets and ops with tags and a default run config, launched by name." },
                new() { Name = "Automation", Description = "Schedules and sensors: status, start and stop, tick history, previews of cron ticks." },
                new() { Name = "Deployment", Description = "Code locations and the silos that load them." },
                new() { Name = "Live", Description = "Run events and asset state changes as they happen (Server-Sent Events)." },
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The gateway's token (OrleansAssets:Auth:Token), when it has one.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }, new OpenApiSecurityRequirement()];
            return Task.CompletedTask;
        }));
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, _ => { })
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = "oa_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.LoginPath = LoginPage.Path;
            });
        services.AddCors();
        var health = services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        if (postgresConnectionString is not null)
        {
            health.AddNpgSql(postgresConnectionString, name: "postgres", tags: ["ready"], timeout: TimeSpan.FromSeconds(5));
        }

        services.AddSingleton<LiveEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveEvents>());
        return services;
    }

    /// <summary>
    /// Maps the gateway: <c>/api/v1</c> (the REST API and its stream), <c>/openapi/v1.json</c>, the API reference at
    /// <c>/api</c>, <c>/health/live</c> and <c>/health/ready</c>, the login page, the Orleans silo dashboard at
    /// <c>/orleans</c> (when its services are registered), and the web dashboard at <c>/</c>. Call it on the app
    /// before anything else that serves requests: it adds the error, access and CORS middleware first.
    /// </summary>
    public static WebApplication MapOrleansAssets(this WebApplication app)
    {
        var gateway = app.Services.GetRequiredService<IOptions<OrleansAssetsGatewayOptions>>().Value;
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (gateway.CorsOrigins.Count > 0)
        {
            app.UseCors(cors => cors.WithOrigins([.. gateway.CorsOrigins]).AllowAnyHeader().AllowAnyMethod().AllowCredentials());
        }

        app.UseMiddleware<GatewayAccess>();

        var api = app.MapGroup("/api/v1");
        api.MapAssetsApi().MapRunsApi().MapJobsApi().MapAutomationApi().MapClusterApi().MapStreamApi();
        api.ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api", o => o.WithTitle("OrleansAssets API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapLoginPage();
        if (app.Services.GetService<OrleansDashboardRegistered>() is not null)
        {
            // Its own pages and JSON, not part of our API's document.
            app.MapOrleansDashboard(routePrefix: "/orleans").ExcludeFromDescription();
        }

        // The web dashboard maps its client routes (/, /assets..., /runs..., /deployment) and /static only, so
        // nothing above is shadowed; GatewayAccess guards it like the rest.
        app.MapOrleansAssetsDashboard();
        return app;
    }
}

/// <summary>Ready means the cluster answers: a cheap read through a silo (which reads the membership).</summary>
internal sealed class ClusterHealthCheck(OrleansAssetsClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await client.ListSilosAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            var active = silos.Count(s => s.Status == Cluster.SiloState.Active);
            return active > 0 ? HealthCheckResult.Healthy($"{active} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ClusterErrors.Classify(e)?.Reason ?? e.Message);
        }
    }
}

/// <summary>Marks that the host added the Orleans silo dashboard's services (see <see cref="OrleansDashboardExtensions"/>).</summary>
public sealed class OrleansDashboardRegistered;

public static class OrleansDashboardExtensions
{
    /// <summary>
    /// The Orleans silo dashboard in a process that only connects to the cluster (a standalone gateway): its pages
    /// at <c>/orleans</c>; silos add theirs with <c>siloBuilder.AddDashboard()</c>.
    /// </summary>
    public static IClientBuilder AddOrleansAssetsSiloDashboard(this IClientBuilder client)
    {
        client.AddDashboard();
        client.Services.AddSingleton<OrleansDashboardRegistered>();
        return client;
    }

    /// <summary>The Orleans silo dashboard in a silo that also serves the gateway (dev mode).</summary>
    public static ISiloBuilder AddOrleansAssetsSiloDashboard(this ISiloBuilder silo)
    {
        silo.AddDashboard();
        silo.Services.AddSingleton<OrleansDashboardRegistered>();
        return silo;
    }
}
