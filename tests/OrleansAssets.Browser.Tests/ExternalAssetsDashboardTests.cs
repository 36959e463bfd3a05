using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>The test-only "partner" location: two external assets (a partner's files) and two assets made from them.</summary>
public sealed class ExternalAssetsFixture() : DashboardFixture(new Dictionary<string, string>
{
    ["OrleansAssets__CodeLocations__0__Assembly"] = Path.Combine(AppContext.BaseDirectory, "codelocations", "ExternalAssets", "ExternalAssets.dll"),
});

/// <summary>
/// External assets on the dashboard: drawn apart on the lineage graph, an asset page that says how to report one and
/// offers no Materialize, and a report through the API that makes the downstream stale on the graph and its page.
/// </summary>
public sealed class ExternalAssetsDashboardTests(ExternalAssetsFixture fixture) : IClassFixture<ExternalAssetsFixture>
{
    [Fact]
    public async Task An_external_asset_is_drawn_apart_and_its_report_makes_the_downstream_stale()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Url };
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();

        var feed = page.Locator(".asset-node[data-asset-key='partner_feed']");
        await Expect(feed).ToHaveAttributeAsync("data-external", "true");
        await Expect(feed).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bis-external\\b"));
        await Expect(feed.Locator(".external-badge")).ToHaveTextAsync("external");
        Assert.Equal("dashed", await feed.EvaluateAsync<string>("e => getComputedStyle(e).borderTopStyle"));
        var summary = page.Locator(".asset-node[data-asset-key='feed_summary']");
        await Expect(summary).Not.ToHaveAttributeAsync("data-external", new System.Text.RegularExpressions.Regex("."));
        await Expect(summary.Locator(".external-badge")).ToHaveCountAsync(0);

        // The downstream is made once (a '*' run leaves the external assets out), then the partner's file is reported.
        await MaterializeAsync(http, "*");
        using (var report = await http.PostAsJsonAsync("api/v1/materializations", new { asset = "partner_feed", metadata = new { rows = 120, source = "sftp" }, dataVersion = "2026-12-01" }))
        {
            Assert.True(report.IsSuccessStatusCode, await report.Content.ReadAsStringAsync());
        }

        // The live stream says so at once; a fresh load says why.
        await Expect(summary).ToHaveAttributeAsync("data-status", "stale");
        await page.ReloadAsync();
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
        await Expect(summary).ToHaveAttributeAsync("data-status", "stale");
        await Expect(summary.Locator(".asset-status")).ToHaveAttributeAsync("title", "upstream materialized since: partner_feed");
        await Chromium.ScreenshotAsync(page, "external-asset-lineage");

        await page.GotoAsync("/assets/partner_feed");
        await Expect(page.GetByTestId("external-notice")).ToContainTextAsync("oa report partner_feed");
        await Expect(page.GetByTestId("external-badge")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Materialize", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("reported")).ToBeVisibleAsync();
        await Expect(page.Locator(".asset-page")).Not.ToContainTextAsync("Materialize with upstream");
        await Chromium.ScreenshotAsync(page, "external-asset-page");

        await page.GotoAsync("/assets/feed_summary");
        await Expect(page.Locator(".page-head .badge")).ToHaveAttributeAsync("data-status", "stale");
        await Expect(page.GetByTestId("stale-reasons").Locator("li")).ToHaveTextAsync(["upstream materialized since: partner_feed"]);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Materialize", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("external-notice")).ToHaveCountAsync(0);

        // The catalog marks it too, and only it.
        await page.GotoAsync("/assets");
        await Expect(page.Locator("[data-asset-key='partner_feed'] [data-testid=external-badge]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-asset-key='feed_summary'] [data-testid=external-badge]")).ToHaveCountAsync(0);
    }

    private static async Task MaterializeAsync(HttpClient http, string selection)
    {
        using var response = await http.PostAsJsonAsync("api/v1/runs", new { selection });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var runId = JsonDocument.Parse(text).RootElement.GetProperty("runId").GetString();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync($"api/v1/runs/{runId}"));
            if (json.RootElement.GetProperty("status").GetString() is "success")
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"run {runId} of {selection} did not succeed");
    }
}
