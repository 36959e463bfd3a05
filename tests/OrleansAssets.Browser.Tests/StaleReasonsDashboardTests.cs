using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>
/// Why an asset is stale, on its page, its lineage node and its catalog row. A silo of its own: the seed's tests
/// expect the assets never materialized when they begin.
/// </summary>
public sealed class StaleReasonsDashboardTests(SeedDashboardFixture fixture) : IClassFixture<SeedDashboardFixture>
{
    [Fact]
    public async Task A_stale_asset_shows_its_code_version_and_each_reason_on_its_page_and_on_hover_in_the_graph_and_catalog()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Url };
        await MaterializeAsync(http, "*");
        await MaterializeAsync(http, "raw_sales_data");

        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/assets/cleaned_sales_data");
        await Expect(page.Locator(".page-head .badge")).ToHaveAttributeAsync("data-status", "stale");
        var reasons = page.GetByTestId("stale-reasons").Locator("li");
        await Expect(reasons).ToHaveCountAsync(1);
        await Expect(reasons.First).ToHaveTextAsync("upstream materialized since: raw_sales_data");
        await Expect(reasons.First).ToHaveAttributeAsync("data-kind", "upstreamMaterialized");
        await Expect(reasons.First.GetByRole(AriaRole.Link, new() { Name = "raw_sales_data" })).ToBeVisibleAsync();
        await Expect(page.Locator(".facts").GetByText("Code version")).ToBeVisibleAsync();
        // The code version it declares, and the one its latest materialization ran with.
        await Expect(page.Locator(".facts")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Code version\\s*1"));
        await Expect(page.Locator("p", new() { HasText = "code version 1" })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "stale-asset-reasons");

        await page.GotoAsync("/");
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
        var node = page.Locator(".asset-node[data-asset-key='cleaned_sales_data']");
        await Expect(node).ToHaveAttributeAsync("data-status", "stale");
        await Expect(node.Locator(".asset-status")).ToHaveAttributeAsync("title", "upstream materialized since: raw_sales_data");
        await Expect(page.Locator(".asset-node[data-asset-key='raw_sales_data'] .asset-status")).Not.ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("."));

        await page.GotoAsync("/assets");
        await Expect(page.Locator("[data-asset-key='cleaned_sales_data'] .badge")).ToHaveAttributeAsync("title", "upstream materialized since: raw_sales_data");
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
