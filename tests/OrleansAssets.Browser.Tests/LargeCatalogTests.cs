using System.Diagnostics;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>
/// The dashboard at 10,000 assets in 100 groups (the test-only LargeCatalog code location). Times are recorded in the
/// test output, never asserted: this machine's load decides them.
/// </summary>
public sealed class LargeCatalogTests(LargeCatalogFixture fixture, ITestOutputHelper output) : IClassFixture<LargeCatalogFixture>
{
    [Fact]
    public async Task Lineage_page_opens_collapsed_by_group_and_expands_a_group_on_demand()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        var clock = new Stopwatch();
        var visits = new List<string>();
        foreach (var visit in new[] { "first visit", "second visit" })
        {
            clock.Restart();
            await page.GotoAsync("/");
            await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync(new() { Timeout = 60_000 });
            var ready = clock.Elapsed;
            var mark = await page.EvaluateAsync<double>("() => performance.getEntriesByName('oa-lineage-interactive')[0].startTime");
            var lineageRequest = await page.EvaluateAsync<double>(
                "() => { const e = performance.getEntriesByType('resource').find(r => r.name.endsWith('/api/v1/lineage')); return e ? e.duration : -1; }");
            visits.Add($"{visit}: interactive {ready.TotalMilliseconds:F0} ms after navigation began (performance mark {mark:F0} ms; GET /api/v1/lineage {lineageRequest:F0} ms)");
        }

        // Above the threshold every group starts collapsed: 100 groups listed, none expanded, no asset drawn yet, and
        // only the boxes in view are in the page.
        await Expect(page.Locator(".group-list input[type=checkbox]")).ToHaveCountAsync(100);
        await Expect(page.Locator(".group-list input[type=checkbox]:checked")).ToHaveCountAsync(0);
        Assert.Equal(0, await page.Locator(".asset-node").CountAsync());
        var boxesDrawn = await page.Locator(".group-node.closed").CountAsync();
        Assert.InRange(boxesDrawn, 1, 99);
        await Expect(page.Locator(".lineage-toolbar .count")).ToHaveTextAsync("10,000 assets in 100 groups");

        // A collapsed group is selected and materialized whole (as `group:NAME`), and its box counts the change live.
        var box = page.Locator(".group-node.closed[data-group=group_005]");
        await box.Locator(".group-name").ClickAsync();
        await Expect(page.Locator(".lineage-toolbar .count")).ToHaveTextAsync("100 selected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Materialize selected" }).ClickAsync();
        await Expect(box.Locator(".status-counts")).ToHaveTextAsync("100 materialized", new() { Timeout = 60_000 });
        var groupRun = System.Text.Json.JsonDocument.Parse(await (await page.APIRequest.GetAsync("/api/v1/runs?limit=1")).TextAsync())
            .RootElement.GetProperty("items")[0];
        Assert.Equal("group:group_005", groupRun.GetProperty("selection").GetString());
        await page.Locator(".react-flow__pane").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });

        // Interactive: expanding a group draws its 100 assets.
        clock.Restart();
        await page.GetByRole(AriaRole.Button, new() { Name = "Expand group group_000" }).ClickAsync();
        await Expect(page.Locator(".asset-node[data-asset-key=g000_a000]")).ToBeVisibleAsync();
        var expand = clock.Elapsed;
        var layoutText = await page.Locator(".lineage-toolbar .hint[title^='Time the last layout']").TextContentAsync();

        // A live change redraws its node only: materialize one asset and watch it turn, with no new layout and no
        // other node moved. The lag is from each event's commit (its timestamp) to this page.
        var layouts = await page.GetByTestId("lineage-graph").GetAttributeAsync("data-layouts");
        var bystander = page.Locator(".react-flow__node[data-id=g000_a055]");
        var before = await bystander.GetAttributeAsync("style");
        await page.EvaluateAsync(
            """
            () => {
              window.__lags = [];
              const source = new EventSource('/api/v1/stream');
              source.addEventListener('run', (m) => window.__lags.push(Date.now() - Date.parse(JSON.parse(m.data).timestamp)));
            }
            """);
        await Task.Delay(300);
        var submitted = await page.APIRequest.PostAsync("/api/v1/runs", new() { DataObject = new { selection = "g000_a000", tags = new { } } });
        Assert.Equal(202, submitted.Status);
        await Expect(page.Locator(".asset-node[data-asset-key=g000_a000]")).ToHaveAttributeAsync("data-status", "materialized", new() { Timeout = 30_000 });
        Assert.Equal(layouts, await page.GetByTestId("lineage-graph").GetAttributeAsync("data-layouts"));
        Assert.Equal(before, await bystander.GetAttributeAsync("style"));
        await Expect(page.Locator(".asset-node[data-asset-key=g000_a010]")).ToHaveAttributeAsync("data-status", "never");
        var lags = await page.EvaluateAsync<double[]>("() => window.__lags");

        // Finding an asset in another group expands that group and shows it.
        await page.GetByLabel("Find an asset in the graph").FillAsync("g050_a055");
        await page.GetByLabel("Find an asset in the graph").PressAsync("Enter");
        await Expect(page.Locator(".asset-node[data-asset-key=g050_a055]")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500); // the view glides to it
        await Chromium.ScreenshotAsync(page, "large-lineage");

        // Everything expanded: 10,000 assets laid out in the worker (the page stays responsive meanwhile), few drawn.
        var layoutsBefore = await page.GetByTestId("lineage-graph").GetAttributeAsync("data-layouts");
        clock.Restart();
        await page.GetByRole(AriaRole.Button, new() { Name = "Expand all" }).ClickAsync();
        await Expect(page.Locator(".group-list input[type=checkbox]:checked")).ToHaveCountAsync(100);
        await Expect(page.GetByTestId("lineage-graph")).Not.ToHaveAttributeAsync("data-layouts", layoutsBefore!, new() { Timeout = 120_000 });
        var clickable = await page.EvaluateAsync<double>("() => new Promise(r => { const t = performance.now(); requestAnimationFrame(() => r(performance.now() - t)); })");
        var expandAll = clock.Elapsed;
        var allLayout = await page.Locator(".lineage-toolbar .hint[title^='Time the last layout']").TextContentAsync();
        var drawnAll = await page.Locator(".asset-node").CountAsync();
        Assert.InRange(drawnAll, 1, 2000);

        output.WriteLine($"lineage page at 10,000 assets, {string.Join("; ", visits)}; {boxesDrawn} of 100 group boxes in the page");
        output.WriteLine($"expand all 100 groups: {expandAll.TotalMilliseconds:F0} ms to drawn ({allLayout}); {drawnAll} asset nodes in the page; a frame after it {clickable:F0} ms");
        output.WriteLine($"expanding one group of 100 assets: {expand.TotalMilliseconds:F0} ms to visible ({layoutText})");
        output.WriteLine($"stream lag, event commit to this page, for a one-asset run: {string.Join(", ", lags.Select(l => $"{l:F0} ms"))}");
    }

    [Fact]
    public async Task Catalog_reads_every_asset_and_scrolls_through_them_with_few_rows_in_the_page()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        var clock = Stopwatch.StartNew();
        await page.GotoAsync("/assets");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("10,000 assets", new() { Timeout = 60_000 });
        var loaded = clock.Elapsed;

        var scroller = page.GetByTestId("catalog-scroller");
        var rowsAtTop = await page.Locator(".vbody .vrow").CountAsync();
        clock.Restart();
        await scroller.EvaluateAsync("e => { e.scrollTop = e.scrollHeight; }");
        await Expect(page.Locator(".vrow[aria-rowindex='10001']")).ToBeVisibleAsync();
        var scrolled = clock.Elapsed;
        var rowsAtBottom = await page.Locator(".vbody .vrow").CountAsync();
        Assert.InRange(rowsAtBottom, 1, 200);
        await Chromium.ScreenshotAsync(page, "large-catalog-bottom");

        await scroller.EvaluateAsync("e => { e.scrollTop = e.scrollHeight / 2; }");
        await Expect(page.Locator(".vrow[aria-rowindex='5001']")).ToBeAttachedAsync();

        clock.Restart();
        await page.GetByLabel("Search assets").FillAsync("g050_a05");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("10 of 10,000 assets");
        var searched = clock.Elapsed;
        await page.GetByLabel("Search assets").FillAsync("");
        await page.GetByLabel("Filter by group").SelectOptionAsync("group_007");
        await Expect(page.GetByTestId("catalog-count")).ToHaveTextAsync("100 of 10,000 assets");

        output.WriteLine($"catalog of 10,000 assets: all read in {loaded.TotalMilliseconds:F0} ms; rows in the page: {rowsAtTop} at the top, {rowsAtBottom} at the bottom");
        output.WriteLine($"scroll to the last row: {scrolled.TotalMilliseconds:F0} ms; search to 10 rows: {searched.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Run_page_follows_a_run_of_a_thousand_steps_live_to_its_end()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/runs");
        var clock = Stopwatch.StartNew();
        var submitted = await page.APIRequest.PostAsync("/api/v1/runs", new() { DataObject = new { selection = string.Join(',', Enumerable.Range(10, 10).Select(g => $"group:group_{g:D3}")), tags = new { } } });
        Assert.Equal(202, submitted.Status);
        var runId = System.Text.Json.JsonDocument.Parse(await submitted.TextAsync()).RootElement.GetProperty("runId").GetString();

        await page.GotoAsync($"/runs/{runId}");
        await Expect(page.Locator(".run-page")).ToBeAttachedAsync();
        var stepsAtFirstSight = await page.Locator(".run-page .fact-value").Nth(3).TextContentAsync();
        var statusAtFirstSight = await page.Locator(".run-page").GetAttributeAsync("data-run-status");
        await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 120_000 });
        var ended = clock.Elapsed;
        await Expect(page.Locator(".run-page .fact-value").Nth(3)).ToHaveTextAsync("1000 of 1000 succeeded");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Timeline of 1000 steps" })).ToBeVisibleAsync();
        var rowsDrawn = await page.Locator("[data-testid=gantt] .gantt-row").CountAsync();
        Assert.InRange(rowsDrawn, 1, 40);
        var events = await page.Locator(".event-log .count").TextContentAsync();
        await Chromium.ScreenshotAsync(page, "large-run");

        output.WriteLine($"run of 10 groups (1,000 steps): {ended.TotalMilliseconds:F0} ms from submit to success in the page; " +
            $"at first sight the page said '{statusAtFirstSight}', '{stepsAtFirstSight}'; at the end '{events}', {rowsDrawn} timeline rows drawn");
    }
}
