using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Gateway;

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

/// <summary>Every endpoint of the REST API through the real ASP.NET Core pipeline over a test cluster.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayApiTests(GatewayFixture gateway, ITestOutputHelper output)
{
    private HttpClient Http => gateway.Http;

    [Fact]
    public async Task Posting_a_selection_starts_a_run_that_is_followed_to_success_and_shows_the_article_s_figures()
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/runs", new { selection = "*sales_summary", tags = new { owner = "api-test" } });
        var run = await Json(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = run.GetProperty("runId").GetGuid();
        Assert.Equal($"/api/v1/runs/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], run.GetProperty("assetKeys").EnumerateArray().Select(k => k.GetString()));
        var finished = await WaitAsync(id);
        Assert.Equal("success", finished.GetProperty("status").GetString());
        Assert.All(finished.GetProperty("steps").EnumerateArray(), s => Assert.Equal("success", s.GetProperty("status").GetString()));

        var asset = await GetJson("/api/v1/assets/sales_summary");
        var metadata = asset.GetProperty("latestMaterialization").GetProperty("metadata");
        Assert.Equal("B", metadata.GetProperty("top_product").GetProperty("value").GetString());
        Assert.Equal(26000, metadata.GetProperty("top_product_amount").GetProperty("value").GetInt64());
        Assert.Equal("materialized", asset.GetProperty("status").GetString());
        Assert.Equal(["cleaned_sales_data"], asset.GetProperty("dependencies").EnumerateArray().Select(k => k.GetString()));

        var history = await GetJson("/api/v1/materializations?asset=sales_summary&limit=1");
        Assert.Single(history.GetProperty("items").EnumerateArray());
        var events = await GetJson($"/api/v1/runs/{id}/events?after=2&limit=3");
        Assert.Equal([3L, 4, 5], events.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        var rest = await GetJson($"/api/v1/runs/{id}/events?after={events.GetProperty("next").GetString()}");
        Assert.Equal(6, rest.GetProperty("items")[0].GetProperty("sequence").GetInt64());

        var tagged = await GetJson("/api/v1/runs?tag=owner=api-test&status=success&asset=cleaned_sales_data");
        Assert.Contains(tagged.GetProperty("items").EnumerateArray(), r => r.GetProperty("runId").GetGuid() == id);
    }

    [Fact]
    public async Task Assets_and_lineage_list_the_graph_with_live_state_filtered_and_paged()
    {
        var all = await GetJson("/api/v1/assets?limit=1000");
        var keys = all.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("key").GetString()).ToList();
        Assert.Contains("sales_summary", keys);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);

        var first = await GetJson("/api/v1/assets?limit=2");
        var second = await GetJson($"/api/v1/assets?limit=2&cursor={first.GetProperty("next").GetString()}");
        Assert.Equal(keys.Take(4), first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(a => a.GetProperty("key").GetString()));

        var upstream = await GetJson("/api/v1/assets?select=*sales_summary");
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], upstream.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("key").GetString()));
        var group = await GetJson("/api/v1/assets?group=sales&codeLocation=sales");
        Assert.Equal(3, group.GetProperty("items").GetArrayLength());

        var lineage = await GetJson("/api/v1/lineage?select=*sales_summary");
        Assert.Equal(3, lineage.GetProperty("nodes").GetArrayLength());
        Assert.Contains(lineage.GetProperty("edges").EnumerateArray(), e => e.GetProperty("from").GetString() == "raw_sales_data" && e.GetProperty("to").GetString() == "cleaned_sales_data");
        var whole = await GetJson("/api/v1/lineage");
        Assert.Equal(keys.Count, whole.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task Deployment_health_and_documents_answer()
    {
        var locations = await GetJson("/api/v1/code-locations");
        Assert.Contains(locations.GetProperty("items").EnumerateArray(), l => l.GetProperty("name").GetString() == "sales");
        var silos = await GetJson("/api/v1/silos");
        Assert.Contains(silos.GetProperty("items").EnumerateArray(), s => s.GetProperty("status").GetString() == "active");
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/api/v1")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_every_endpoint_of_the_api()
    {
        var document = await GetJson("/openapi/v1.json");
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        var routes = gateway.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.Replace("{**key}", "{key}", StringComparison.Ordinal)}"))
            .ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.Contains(r, documented));
        output.WriteLine(string.Join('\n', documented.Order()));
    }

    [Theory]
    [InlineData("POST", "/api/v1/runs", "{", 400, "not JSON")]
    [InlineData("POST", "/api/v1/runs", "", 400, "not JSON")]
    [InlineData("POST", "/api/v1/runs", "[]", 400, "JSON object")]
    [InlineData("POST", "/api/v1/runs", "{\"selection\": 42}", 400, "selection must be a string")]
    [InlineData("POST", "/api/v1/runs", "{\"selection\": \"no_such_asset\"}", 400, "unknown asset key 'no_such_asset'")]
    [InlineData("POST", "/api/v1/runs", "{\"selection\": \"*\", \"tags\": {\"a\": 1}}", 400, "tag 'a' must have a string value")]
    [InlineData("POST", "/api/v1/runs", "{\"select\": \"*\"}", 400, "'select' is not a field")]
    [InlineData("POST", "/api/v1/runs", "{}", 400, "needs a selection")]
    [InlineData("GET", "/api/v1/assets?limit=0", null, 400, "limit must be a whole number from 1 to 1000")]
    [InlineData("GET", "/api/v1/assets?limit=1001", null, 400, "limit must be")]
    [InlineData("GET", "/api/v1/assets?limit=ten", null, 400, "limit must be")]
    [InlineData("GET", "/api/v1/assets?cursor=not-a-cursor", null, 400, "is not a cursor this API gave out")]
    [InlineData("GET", "/api/v1/assets?status=shiny", null, 400, "status 'shiny' is not one of")]
    [InlineData("GET", "/api/v1/assets?select=a,", null, 400, "")]
    [InlineData("GET", "/api/v1/assets/no_such_asset", null, 404, "Unknown asset key 'no_such_asset'")]
    [InlineData("GET", "/api/v1/assets/core%2Fno_such", null, 404, "Unknown asset key 'core/no_such'")]
    [InlineData("GET", "/api/v1/assets/core/no_such", null, 404, "Unknown asset key 'core/no_such'")]
    [InlineData("GET", "/api/v1/materializations", null, 400, "asset is required")]
    [InlineData("GET", "/api/v1/materializations?asset=no_such_asset", null, 404, "Unknown asset key")]
    [InlineData("GET", "/api/v1/lineage?select=no_such_asset", null, 400, "unknown asset key")]
    // The dashboard's selection box shows this detail as it is: it must name the term and where it is.
    [InlineData("GET", "/api/v1/lineage?select=sales_summary%20and", null, 400, "Bad selection 'sales_summary and': the selection ends where a term should be")]
    [InlineData("GET", "/api/v1/lineage?select=kind:csv%20and%20(", null, 400, "(at position 14)")]
    [InlineData("GET", "/api/v1/runs?status=finished", null, 400, "status 'finished' is not one of")]
    [InlineData("GET", "/api/v1/runs?tag=nokey", null, 400, "tag 'nokey' is not key=value")]
    [InlineData("GET", "/api/v1/runs?cursor=%%%", null, 400, "is not a cursor")]
    [InlineData("GET", "/api/v1/runs/not-a-run", null, 400, "is not a run id")]
    [InlineData("GET", "/api/v1/runs/7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11", null, 404, "Unknown run")]
    [InlineData("GET", "/api/v1/runs/7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11/events?after=x", null, 400, "after must be")]
    [InlineData("GET", "/api/v1/stream?run=nope", null, 400, "is not a run id")]
    [InlineData("GET", "/api/v1/stream?run=7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11", null, 404, "Unknown run")]
    public async Task Bad_input_gets_a_problem_detail_that_names_the_problem_and_records_nothing(string method, string path, string? body, int status, string says)
    {
        var runsBefore = (await GetJson("/api/v1/runs?limit=1000")).GetProperty("items").GetArrayLength();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{method} {path} {body} -> {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Contains(says, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.Equal(runsBefore, (await GetJson("/api/v1/runs?limit=1000")).GetProperty("items").GetArrayLength());
    }

    private async Task<JsonElement> WaitAsync(Guid id)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await GetJson($"/api/v1/runs/{id}");
            if (run.GetProperty("status").GetString() is "success" or "failure")
            {
                return run;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"run {id} did not finish");
    }

    private async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
