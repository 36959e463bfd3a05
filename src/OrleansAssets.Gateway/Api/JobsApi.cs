using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Client;
using OrleansAssets.Client.Views;
using OrleansAssets.Queries;

namespace OrleansAssets.Gateway.Api;

/// <summary>Jobs: list them, show one with its steps, launch one with tags and a run config.</summary>
internal static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/jobs", async (OrleansAssetsClient client) => TypedResults.Ok(new Page<JobInfo>(await client.ListJobsAsync(), null)))
            .WithName("listJobs").WithTags("Jobs")
            .WithSummary("List jobs")
            .WithDescription("Every job by name: its selection, ops, tags, priority and default config, and its steps (assets, then ops) with their config fields.");
        api.MapGet("/jobs/{name}", async (OrleansAssetsClient client, string name) => TypedResults.Ok(await client.GetJobAsync(name)))
            .WithName("getJob").WithTags("Jobs")
            .WithSummary("Get one job")
            .WithDescription("The job and its steps, upstream first, each with its dependencies and config fields; 404 names the known jobs.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/jobs/{name}/runs", LaunchJob)
            .WithName("launchJob").WithTags("Jobs")
            .WithSummary("Start a run of a job")
            .WithDescription("Runs the job's assets and ops with its tags (and these, which win), with this run config or else the job's default. Answers 202 with the run once it is recorded, as POST /api/v1/runs does; a config that does not fit is a 400 naming the step and field, and records nothing.")
            .Accepts<JobLaunch>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Accepted<RunView>> LaunchJob(OrleansAssetsClient client, string name, HttpRequest request)
    {
        var launch = await JobLaunch.ReadAsync(request);
        var run = await client.LaunchJobAsync(name, launch.Config, launch.Tags);
        var details = await client.GetRunAsync(run.RunId);
        return TypedResults.Accepted($"/api/v1/runs/{run.RunId}", RunView.From(details));
    }
}

/// <summary>What launches a job: tags recorded with the run, and its run config; both optional.</summary>
public sealed record JobLaunch
{
    public Dictionary<string, string>? Tags { get; init; }

    /// <summary>The run config: an object by step key, each the step's fields (for example <c>{"raw_sales_data": {"path": "data/sales.csv"}}</c>).</summary>
    public JsonElement? Config { get; init; }

    private const string Example = "{\"tags\": {\"owner\": \"me\"}, \"config\": {\"raw_sales_data\": {\"path\": \"data/sales.csv\"}}}";

    /// <summary>Reads and checks the body (empty for none); the config comes back as the JSON text the cluster takes.</summary>
    /// <exception cref="BadRequestException">The body is not JSON, not an object, or has fields a launch does not take.</exception>
    internal static async Task<(Dictionary<string, string>? Tags, string? Config)> ReadAsync(HttpRequest request)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example);
        if (document is null)
        {
            return (null, null);
        }

        Dictionary<string, string>? tags = null;
        string? config = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            switch (property.Name.ToLowerInvariant())
            {
                case "tags" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "tags":
                    tags = JsonBody.Strings(property.Value, "tags");
                    break;
                case "config" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "config" when property.Value.ValueKind == JsonValueKind.String:
                    // Its JSON text, as the SDK sends text that does not parse: the cluster says what is wrong with it.
                    config = property.Value.GetString();
                    break;
                case "config":
                    // Any other kind goes to the cluster too, which refuses it in the words it uses over Orleans.
                    config = property.Value.GetRawText();
                    break;
                default:
                    throw new BadRequestException($"{UserText.Quote(property.Name)} is not a field of a job launch; it takes tags and config.");
            }
        }

        return (tags, config);
    }
}
