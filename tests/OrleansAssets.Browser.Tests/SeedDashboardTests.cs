using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>The dashboard of the seed's pipeline in a real browser: what a user of README's first command sees.</summary>
public sealed class SeedDashboardTests(SeedDashboardFixture fixture, ITestOutputHelper output) : IClassFixture<SeedDashboardFixture>
{
    private static readonly string[] SeedKeys = ["raw_sales_data", "cleaned_sales_data", "sales_summary"];

    [Fact]
    public async Task Materializing_sales_summary_with_upstream_turns_the_graph_materialized_live_and_the_pages_show_it()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        foreach (var visit in new[] { "first visit", "second visit" })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await page.GotoAsync("/");
            await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
            output.WriteLine($"lineage page of the seed's 3 assets, {visit}: interactive {clock.ElapsedMilliseconds} ms after navigation began " +
                $"(performance mark {await page.EvaluateAsync<double>("() => performance.getEntriesByName('oa-lineage-interactive')[0].startTime"):F0} ms)");
        }

        // The three assets are text in the graph, findable as a reader finds them.
        foreach (var key in SeedKeys)
        {
            await Expect(page.Locator(".asset-node .asset-key").GetByText(key, new() { Exact = true })).ToBeVisibleAsync();
            await Expect(Node(page, key)).ToHaveAttributeAsync("data-status", "never");
        }

        // Watch what the nodes go through, and that the page is never loaded again.
        await page.EvaluateAsync(
            """
            () => {
              window.__sameDocument = true;
              window.__transitions = [];
              new MutationObserver((records) => {
                for (const r of records) {
                  const node = r.target;
                  if (node.classList?.contains('asset-node')) window.__transitions.push(node.dataset.assetKey + ':' + node.dataset.status);
                }
              }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
            }
            """);

        await Node(page, "sales_summary").Locator(".asset-key").ClickAsync();
        await Expect(page.Locator(".lineage-toolbar .count")).ToHaveTextAsync("1 selected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Materialize with upstream" }).ClickAsync();

        foreach (var key in SeedKeys)
        {
            await Expect(Node(page, key)).ToHaveAttributeAsync("data-status", "materialized", new() { Timeout = 60_000 });
        }

        var transitions = await page.EvaluateAsync<string[]>("() => window.__transitions");
        output.WriteLine("node states seen: " + string.Join(", ", transitions));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        Assert.Contains("sales_summary:materialized", transitions);

        var toast = page.Locator(".toast").First;
        await Expect(toast).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 30_000 });
        var runId = await toast.GetAttributeAsync("data-run-id");
        Assert.NotNull(runId);
        await Chromium.ScreenshotAsync(page, "seed-lineage-materialized");

        // The asset page: its metadata rendered by kind, the markdown summary as a real table.
        await page.GetByRole(AriaRole.Link, new() { Name = "Open sales_summary" }).ClickAsync();
        await Expect(page.Locator("h1.asset-title")).ToHaveTextAsync("sales_summary");
        await Expect(page.Locator("tr[data-metadata=top_product] > td")).ToHaveTextAsync("B");
        var firstRow = page.Locator("tr[data-metadata=summary_table] .markdown table tbody tr").First;
        await Expect(firstRow.Locator("td").First).ToHaveTextAsync("B");
        await Expect(firstRow.Locator("td").Nth(2)).ToHaveTextAsync("26000");
        await Expect(page.Locator("tr[data-metadata=output_path] a")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("sales_summary\\.csv$"));
        await Expect(page.Locator("figure[data-plot=top_product_amount] canvas")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "cleaned_sales_data" })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "seed-asset-sales_summary");

        // The run: each step's bar on the timeline, and the user's log lines in the event log.
        await page.Locator(".history").GetByRole(AriaRole.Link, new() { Name = runId![..8] }).ClickAsync();
        await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "success");
        foreach (var key in SeedKeys)
        {
            var row = page.Locator($"[data-testid=gantt] [data-step='{key}']");
            await Expect(row).ToHaveAttributeAsync("data-status", "success");
            await Expect(row.Locator("rect.bar")).ToHaveCountAsync(1);
        }

        await Expect(page.GetByTestId("event-log").GetByText("Loaded 7 rows from sales.csv")).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "seed-run");

        await page.GetByLabel("Filter by event type").SelectOptionAsync("materializations");
        await Expect(page.Locator(".log-row")).ToHaveCountAsync(3);

        // The runs list has it, and filters by status.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Runs" }).ClickAsync();
        await Expect(page.Locator($"tr[data-run-id='{runId}'] .badge")).ToHaveAttributeAsync("data-status", "success");
        await page.GetByRole(AriaRole.Button, new() { Name = "failure" }).ClickAsync();
        await Expect(page.Locator($"tr[data-run-id='{runId}']")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "success" }).ClickAsync();
        await Expect(page.Locator($"tr[data-run-id='{runId}']")).ToHaveCountAsync(1);
        await Chromium.ScreenshotAsync(page, "seed-runs");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Catalog_lists_the_assets_and_filters_them_as_the_user_types()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/assets");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("3 assets");
        foreach (var key in SeedKeys)
        {
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = key, Exact = true })).ToBeVisibleAsync();
        }

        await page.GetByLabel("Search assets").FillAsync("summary");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("1 of 3 assets");
        Assert.Contains("q=summary", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("Search assets").FillAsync("");
        await page.GetByLabel("Filter by code location").SelectOptionAsync("sales");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("3 assets");
        await Chromium.ScreenshotAsync(page, "seed-catalog");
    }

    [Fact]
    public async Task Deployment_shows_the_code_location_and_the_live_silo_with_a_link_to_the_silo_dashboard()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/deployment");
        await Expect(page.Locator("tr[data-code-location=sales]")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-silo] .badge").First).ToHaveAttributeAsync("data-status", "active");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open the silo dashboard" })).ToHaveAttributeAsync("href", "/orleans");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "API reference" })).ToHaveAttributeAsync("href", "/api");
        await Chromium.ScreenshotAsync(page, "seed-deployment");
    }

    [Fact]
    public async Task An_unknown_asset_or_run_says_so_instead_of_a_blank_page()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/assets/no_such_asset");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("There is no asset 'no_such_asset'");
        await page.GotoAsync($"/runs/{Guid.NewGuid()}");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("There is no such run");
    }

    [Fact]
    public async Task The_dashboard_serves_its_routes_and_bundles_and_leaves_the_gateways_paths_alone()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Url };
        string? script = null;
        foreach (var route in new[] { "/", "/assets", "/assets/sales_summary", "/assets/a/b%2Fc", "/runs", $"/runs/{Guid.NewGuid()}", "/deployment",
            "/jobs", "/jobs/sales_job", "/automation", "/automation/schedules/sales_daily", "/automation/sensors/sales_inbox", "/queue" })
        {
            using var response = await http.GetAsync(route);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoCache, $"{route} must not be cached");
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<div id=\"root\">", html, StringComparison.Ordinal);
            script ??= System.Text.RegularExpressions.Regex.Match(html, "src=\"(/static/[^\"]+\\.js)\"").Groups[1].Value;
        }

        Assert.False(string.IsNullOrEmpty(script));
        using (var bundle = await http.GetAsync(script))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, bundle.StatusCode);
            Assert.Equal("text/javascript", bundle.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromDays(365), bundle.Headers.CacheControl?.MaxAge);
            Assert.Contains("immutable", bundle.Headers.CacheControl?.Extensions.Select(e => e.Name) ?? [], StringComparer.Ordinal);
        }

        // Brotli when accepted, a validator per encoding, and 304 for a copy the client has.
        using (var request = new HttpRequestMessage(HttpMethod.Get, script))
        {
            request.Headers.AcceptEncoding.ParseAdd("br");
            using var compressed = await http.SendAsync(request);
            Assert.Equal("br", Assert.Single(compressed.Content.Headers.ContentEncoding));
            using var again = new HttpRequestMessage(HttpMethod.Get, script);
            again.Headers.AcceptEncoding.ParseAdd("br");
            again.Headers.IfNoneMatch.Add(compressed.Headers.ETag!);
            using var notModified = await http.SendAsync(again);
            Assert.Equal(System.Net.HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using (var missing = await http.GetAsync("/static/no-such-file.js"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        }

        // The gateway's own paths answer as the gateway, not with the dashboard's page.
        foreach (var path in new[] { "/api/v1/lineage", "/api/v1/no-such-thing", "/openapi/v1.json", "/health/live", "/orleans", "/login" })
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{path}: {(int)response.StatusCode} {response.Content.Headers.ContentType}");
            Assert.DoesNotContain("<div id=\"root\">", body, StringComparison.Ordinal);
        }

        // Nor does the dashboard appear in the API's OpenAPI document.
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(paths, p => Assert.StartsWith("/api/v1/", p, StringComparison.Ordinal));
    }

    private static ILocator Node(IPage page, string key) => page.Locator($".asset-node[data-asset-key='{key}']");
}
