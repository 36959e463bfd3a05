using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Client;
using OrleansAssets.Client.Views;
using OrleansAssets.Runs;

namespace OrleansAssets.Gateway.Api;

/// <summary>Runs: start one, list them, follow one's steps and events.</summary>
internal static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/runs", SubmitRun)
            .WithName("submitRun").WithTags("Runs")
            .WithSummary("Start a run")
            .WithDescription("Materializes the assets a selection names (for example '*', 'sales_summary', '*sales_summary' with everything upstream). Answers 202 with the run once it is recorded; a bad selection records nothing.")
            .Accepts<RunSubmission>("application/json");
        api.MapGet("/runs", ListRuns)
            .WithName("listRuns").WithTags("Runs")
            .WithSummary("List runs")
            .WithDescription("Newest first, paged. Filters: status (comma-separated), tag (key=value, repeatable), asset.");
        api.MapGet("/runs/{id}", GetRun)
            .WithName("getRun").WithTags("Runs")
            .WithSummary("Get one run")
            .WithDescription("The run's record, its steps and its events (the same document as `oa run ID --json`); with 'after', only the events after that sequence, so a client following the run reads each event once.");
        api.MapGet("/runs/{id}/events", ListRunEvents)
            .WithName("listRunEvents").WithTags("Runs")
            .WithSummary("A run's events after a sequence number")
            .WithDescription("In order; 'after' is the sequence of the last event seen (0 for all), 'next' continues a full page.");
        api.MapPost("/runs/{id}/cancel", CancelRun)
            .WithName("cancelRun").WithTags("Runs")
            .WithSummary("Cancel a run")
            .WithDescription("A queued run leaves the queue and ends canceled at once; a running one starts no more steps, its running steps' cancellation tokens fire, and it ends canceled once they stop. Answers 202 with the run once the cancel is recorded; 409 when the run already ended. Body (optional): {\"reason\": \"...\"}.")
            .Accepts<CancelSubmission>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/runs/{id}/reexecute", ReexecuteRun)
            .WithName("reexecuteRun").WithTags("Runs")
            .WithSummary("Re-execute a finished run")
            .WithDescription("Starts a new run with the finished run's job, config and tags: every step of it, or with fromFailure only the steps that failed, were canceled or did not run, reusing the values the parent run materialized for the rest. The new run's tags oa/parent_run_id and oa/root_run_id name its parent and the first run of the chain (list a chain with GET /api/v1/runs?tag=oa/root_run_id=ID). Answers 202 with the new run; 404 for an unknown run; 400 when it is not finished or, from failure, has no failed step. Body (optional): {\"fromFailure\": true, \"tags\": {\"k\": \"v\"}}.")
            .Accepts<ReexecuteSubmission>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/queue", async (OrleansAssetsClient client) => TypedResults.Ok(await client.GetQueueAsync()))
            .WithName("getQueue").WithTags("Runs")
            .WithSummary("The run queue")
            .WithDescription("Queued runs in the order they start, each with its position, priority, tags and what it waits for; the running runs; the global and per-tag limits.");
        return api;
    }

    private static async Task<Accepted<RunView>> SubmitRun(OrleansAssetsClient client, HttpRequest request)
    {
        var body = await RunSubmission.ReadAsync(request);
        var run = await client.MaterializeAsync(body.Selection!, body.Tags);
        var details = await client.GetRunAsync(run.RunId);
        return TypedResults.Accepted($"/api/v1/runs/{run.RunId}", RunView.From(details));
    }

    private static async Task<Accepted<RunView>> CancelRun(OrleansAssetsClient client, string id, HttpRequest request)
    {
        var runId = RunIdOf(id);
        var reason = await CancelSubmission.ReadReasonAsync(request);
        await client.CancelRunAsync(runId, reason, Callers.Of(request.HttpContext));
        return TypedResults.Accepted($"/api/v1/runs/{runId}", RunView.From(await client.GetRunAsync(runId)));
    }

    private static async Task<Accepted<RunView>> ReexecuteRun(OrleansAssetsClient client, string id, HttpRequest request)
    {
        var parent = RunIdOf(id);
        var body = await ReexecuteSubmission.ReadAsync(request);
        var run = await client.ReexecuteRunAsync(parent, body.FromFailure, body.Tags);
        return TypedResults.Accepted($"/api/v1/runs/{run.RunId}", RunView.From(await client.GetRunAsync(run.RunId)));
    }

    private static async Task<Ok<Page<RunRecord>>> ListRuns(OrleansAssetsClient client, string? status, string[]? tag, string? asset, string? limit, string? cursor)
    {
        var size = Paging.Limit(limit);
        var position = Paging.Decode<RunCursor>(cursor);
        var runs = await client.ListRunsAsync(new RunQuery
        {
            Statuses = [.. (status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => Words.Parse<RunStatus>(s, "status"))],
            Tags = ParseTags(tag),
            AssetKey = string.IsNullOrWhiteSpace(asset) ? null : asset,
            CreatedBefore = position?.CreatedAt,
            Before = position?.RunId,
            Limit = size,
        });
        return TypedResults.Ok(new Page<RunRecord>(runs, runs.Count == size ? Paging.Encode(new RunCursor(runs[^1].CreatedAt, runs[^1].RunId)) : null));
    }

    private static async Task<Ok<RunView>> GetRun(OrleansAssetsClient client, string id, string? after) =>
        TypedResults.Ok(RunView.From(await client.GetRunAsync(RunIdOf(id), SequenceOf(after))));

    private static async Task<Ok<Page<RunEvent>>> ListRunEvents(OrleansAssetsClient client, string id, string? after, string? limit)
    {
        var size = Paging.Limit(limit);
        var details = await client.GetRunAsync(RunIdOf(id), SequenceOf(after), size);
        return TypedResults.Ok(new Page<RunEvent>(details.Events, details.Events.Count == size ? details.NextCursor.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    /// <summary>The <c>after</c> of a run's events: the sequence of the last event seen, 0 (or none) for all.</summary>
    private static long SequenceOf(string? after) =>
        after is null ? 0
        : long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence) ? sequence
        : throw new BadRequestException($"after must be an event's sequence number (a whole number, 0 for all); {UserText.Quote(after)} is not.");

    public static Guid RunIdOf(string text) => Guid.TryParse(text, out var id)
        ? id
        : throw new BadRequestException($"{UserText.Quote(text)} is not a run id (a run id looks like 7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11).");

    private static Dictionary<string, string> ParseTags(string[]? tags)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags ?? [])
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new BadRequestException($"tag {UserText.Quote(tag)} is not key=value.");
            }

            if (!parsed.TryAdd(tag[..equals], tag[(equals + 1)..]))
            {
                throw new BadRequestException($"tag gives the key {UserText.Quote(tag[..equals])} twice; give each key once.");
            }
        }

        return parsed;
    }

    private sealed record RunCursor(DateTimeOffset CreatedAt, Guid RunId);
}

/// <summary>What a re-execution takes: whether only from failure, and tags to add to the parent's.</summary>
public sealed record ReexecuteSubmission
{
    /// <summary>Only the steps that failed, were canceled or did not run; false (the default): every step.</summary>
    public bool FromFailure { get; init; }

    /// <summary>Tags added to (or replacing) the parent run's.</summary>
    public Dictionary<string, string>? Tags { get; init; }

    private const string Example = "{\"fromFailure\": true, \"tags\": {\"owner\": \"me\"}}";

    internal static async Task<ReexecuteSubmission> ReadAsync(HttpRequest request)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example);
        if (document is null)
        {
            return new ReexecuteSubmission();
        }

        var submission = new ReexecuteSubmission();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            submission = property.Name.ToLowerInvariant() switch
            {
                "fromfailure" when property.Value.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => submission with { FromFailure = property.Value.GetBoolean() },
                "fromfailure" => throw new BadRequestException($"fromFailure must be true or false, not {JsonBody.Kind(property.Value)}."),
                "tags" when property.Value.ValueKind == System.Text.Json.JsonValueKind.Null => submission,
                "tags" => submission with { Tags = JsonBody.Strings(property.Value, "tags") },
                _ => throw new BadRequestException($"{UserText.Quote(property.Name)} is not a field of a re-execution; it takes fromFailure and tags."),
            };
        }

        return submission;
    }
}

/// <summary>What starts a run: a selection, and tags recorded with it.</summary>
public sealed record RunSubmission
{
    /// <summary>Which assets, in the selection syntax: '*', 'key', 'a,b', 'key+', '+key', '*key', 'key*', 'group:name', 'tag:k=v'.</summary>
    public string? Selection { get; init; }

    public Dictionary<string, string>? Tags { get; init; }

    private const string Example = "{\"selection\": \"*\", \"tags\": {\"owner\": \"me\"}}";

    /// <summary>Reads and checks the body, saying in its own words what is wrong with it (not the serializer's type names).</summary>
    /// <exception cref="BadRequestException">The body is not JSON, or not a run submission.</exception>
    public static async Task<RunSubmission> ReadAsync(HttpRequest request)
    {
        System.Text.Json.JsonDocument document;
        try
        {
            document = await System.Text.Json.JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new BadRequestException($"The body is not JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')}); send {Example}.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new BadRequestException($"The body must be a JSON object, not {Kind(root)}; send {Example}.");
            }

            string? selection = null;
            Dictionary<string, string>? tags = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name.ToLowerInvariant())
                {
                    case "selection" when property.Value.ValueKind == System.Text.Json.JsonValueKind.String:
                        selection = property.Value.GetString();
                        break;
                    case "selection":
                        throw new BadRequestException($"selection must be a string in the selection syntax, not {Kind(property.Value)}.");
                    case "tags" when property.Value.ValueKind == System.Text.Json.JsonValueKind.Object:
                        tags = [];
                        foreach (var tag in property.Value.EnumerateObject())
                        {
                            tags[tag.Name] = tag.Value.ValueKind == System.Text.Json.JsonValueKind.String
                                ? tag.Value.GetString()!
                                : throw new BadRequestException($"tag {UserText.Quote(tag.Name)} must have a string value, not {Kind(tag.Value)}.");
                        }

                        break;
                    case "tags" when property.Value.ValueKind == System.Text.Json.JsonValueKind.Null:
                        break;
                    case "tags":
                        throw new BadRequestException($"tags must be an object of string values, not {Kind(property.Value)}.");
                    default:
                        throw new BadRequestException($"{UserText.Quote(property.Name)} is not a field of a run submission; it takes selection and tags.");
                }
            }

            return string.IsNullOrWhiteSpace(selection)
                ? throw new BadRequestException($"The body needs a selection: {Example} runs every asset; see /api for the syntax.")
                : new RunSubmission { Selection = selection, Tags = tags };
        }
    }

    private static string Kind(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Array => "an array",
        System.Text.Json.JsonValueKind.Number => "a number",
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "a boolean",
        System.Text.Json.JsonValueKind.Null => "null",
        System.Text.Json.JsonValueKind.String => "a string",
        _ => "an object",
    };
}

/// <summary>Why a run is canceled, recorded in its events; optional.</summary>
public sealed record CancelSubmission
{
    public string? Reason { get; init; }

    /// <exception cref="BadRequestException">The body is not JSON, not an object, or not a cancel.</exception>
    internal static async Task<string?> ReadReasonAsync(HttpRequest request)
    {
        using var document = await JsonBody.ReadObjectAsync(request, "{\"reason\": \"not needed today\"}");
        if (document is null)
        {
            return null;
        }

        string? reason = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            reason = property.Name.ToLowerInvariant() switch
            {
                "reason" when property.Value.ValueKind == System.Text.Json.JsonValueKind.String => property.Value.GetString(),
                "reason" when property.Value.ValueKind == System.Text.Json.JsonValueKind.Null => null,
                "reason" => throw new BadRequestException($"reason must be a string, not {JsonBody.Kind(property.Value)}."),
                _ => throw new BadRequestException($"{UserText.Quote(property.Name)} is not a field of a cancel; it takes reason."),
            };
        }

        return string.IsNullOrWhiteSpace(reason) ? null : reason;
    }
}
