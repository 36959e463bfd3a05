using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>Every kind of metadata drawn as its kind, markdown sanitised, and two-part keys in links and routes.</summary>
public sealed class MetadataKindsTests(MetadataKindsFixture fixture) : IClassFixture<MetadataKindsFixture>
{
    [Fact]
    public async Task The_asset_page_draws_each_metadata_kind_and_never_runs_the_script_in_markdown()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        for (var run = 0; run < 2; run++)
        {
            await MaterializeAsync(page, "*");
        }

        // From the catalog, by the link of a two-part key: each part encoded, the slash kept.
        await page.GotoAsync("/assets");
        var link = page.GetByRole(AriaRole.Link, new() { Name = "reports/every_kind", Exact = true });
        await Expect(link).ToHaveAttributeAsync("href", "/assets/reports/every_kind");
        await link.ClickAsync();
        await Expect(page.Locator("h1.asset-title")).ToHaveTextAsync("reports/every_kind");

        var value = (string name) => page.Locator($"tr[data-metadata='{name}'] > td");
        await Expect(value("count")).ToHaveTextAsync("42");
        await Expect(value("ratio")).ToHaveTextAsync("3.25");
        await Expect(value("ok")).ToHaveTextAsync("true");
        await Expect(value("note")).ToHaveTextAsync("plain text");
        await Expect(value("link").Locator("a")).ToHaveAttributeAsync("href", "https://example.com/report?id=7");
        await Expect(value("link").Locator("a")).ToHaveAttributeAsync("rel", "noopener noreferrer");
        await Expect(value("file").Locator("a")).ToHaveTextAsync("/data/reports/every_kind.csv");
        var json = JsonDocument.Parse(await value("doc").Locator("pre").TextContentAsync() ?? "").RootElement;
        Assert.Equal("every_kind", json.GetProperty("name").GetString());
        Assert.Contains("\n  \"values\": [", await value("doc").Locator("pre").TextContentAsync(), StringComparison.Ordinal);
        await Expect(value("sample").Locator("thead th")).ToHaveTextAsync(["product", "quantity"]);
        await Expect(value("sample").Locator("tbody tr").Nth(1).Locator("td")).ToHaveTextAsync(["B", "52"]);
        await Expect(value("summary").Locator(".markdown table tbody tr")).ToHaveCountAsync(2);

        // The markdown's script, event handler and javascript: link are gone; nothing ran.
        Assert.Equal(0, await value("summary").Locator("script, [onerror], a[href^='javascript:']").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "script in markdown metadata ran");

        // Two materializations: the number that changes with each one is plotted over both.
        await Expect(page.Locator("figure[data-plot=runs] figcaption")).ToContainTextAsync("2 points");
        await Expect(page.Locator(".fact").Filter(new() { HasText = "Owners" })).ToContainTextAsync("qa@example.com");
        await Chromium.ScreenshotAsync(page, "kinds-asset");

        // Dependents link by their two-part keys too, and the route reads them back.
        await page.GetByRole(AriaRole.Link, new() { Name = "reports/downstream", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1.asset-title")).ToHaveTextAsync("reports/downstream");
        Assert.EndsWith("/assets/reports/downstream", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "reports/every_kind", Exact = true })).ToBeVisibleAsync();
    }

    private static async Task MaterializeAsync(IPage page, string selection)
    {
        var response = await page.APIRequest.PostAsync("/api/v1/runs", new() { DataObject = new { selection, tags = new { } } });
        Assert.Equal(202, response.Status);
        var runId = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("runId").GetString();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var run = JsonDocument.Parse(await (await page.APIRequest.GetAsync($"/api/v1/runs/{runId}")).TextAsync()).RootElement;
            var status = run.GetProperty("status").GetString();
            if (status is "success")
            {
                return;
            }

            Assert.True(status is "queued" or "started", $"run {runId} ended {status}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"run {runId} did not end");
    }
}
