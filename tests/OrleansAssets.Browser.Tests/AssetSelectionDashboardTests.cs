using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>
/// The lineage page's selection box on the seed's pipeline: it highlights exactly what the API selects, keeps the
/// selection in the address, and shows the API's error for a malformed one. A silo of its own: nothing here
/// materializes, but the seed's other tests expect a fresh one.
/// </summary>
public sealed partial class AssetSelectionDashboardTests(SeedDashboardFixture fixture) : IClassFixture<SeedDashboardFixture>
{
    private static readonly string[] SeedKeys = ["raw_sales_data", "cleaned_sales_data", "sales_summary"];

    [Fact]
    public async Task The_selection_box_highlights_what_the_API_selects_keeps_it_in_the_address_and_shows_a_bad_selections_error()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Asset selection" });

        // Each node carries its kinds as chips (the example declares them).
        await Expect(Node(page, "raw_sales_data").Locator(".kind-badge")).ToHaveTextAsync(["csv", "dataframe"]);
        await Expect(Node(page, "cleaned_sales_data").Locator(".kind-badge")).ToHaveTextAsync(["dataframe"]);
        await Expect(Node(page, "sales_summary").Locator(".kind-badge")).ToHaveTextAsync(["dataframe", "csv"]);

        // A malformed selection before any: the API's message (the term and its position) beside the box, and the
        // graph as it was, nothing dimmed.
        await SelectAsync(page, box, "sales_summary and");
        var problem = await ProblemAsync(page, "sales_summary and");
        Assert.Contains("position", problem, StringComparison.Ordinal);
        await Expect(page.GetByTestId("selection-error")).ToHaveTextAsync(problem);
        await Expect(page.Locator(".react-flow__node.hl-hit, .react-flow__node.hl-dim")).ToHaveCountAsync(0);
        await Expect(page.Locator(".asset-node")).ToHaveCountAsync(3);

        foreach (var selection in new[] { "+sales_summary", "kind:csv", "group:sales and not key:raw_sales_data", "sales_summary+" })
        {
            var expected = await SelectedByApiAsync(page, selection);
            await SelectAsync(page, box, selection);
            await ExpectHighlightedAsync(page, expected);
            await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync(expected.Count == 1 ? "selects 1 asset" : $"selects {expected.Count} assets");
            await Expect(page.GetByTestId("selection-error")).ToHaveCountAsync(0);
        }

        // A selection that picks nothing says so.
        await SelectAsync(page, box, "group:no_such_group");
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("selects nothing");
        await ExpectHighlightedAsync(page, []);

        // The address keeps the selection: a reload (or a shared link) highlights the same.
        await SelectAsync(page, box, "kind:csv");
        var csv = await SelectedByApiAsync(page, "kind:csv");
        await ExpectHighlightedAsync(page, csv);
        var materializeSelection = page.GetByRole(AriaRole.Button, new() { Name = "Materialize the selection" });
        await Expect(materializeSelection).ToHaveAttributeAsync("title", "Start a run of kind:csv");
        await Chromium.ScreenshotAsync(page, "selection-kind-csv");
        await page.ReloadAsync();
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
        await Expect(box).ToHaveValueAsync("kind:csv");
        await ExpectHighlightedAsync(page, csv);

        // A malformed selection after a good one: the error, and the good one's highlight kept.
        await SelectAsync(page, box, "kind:csv and (");
        await Expect(page.GetByTestId("selection-error")).ToHaveTextAsync(await ProblemAsync(page, "kind:csv and ("));
        await ExpectHighlightedAsync(page, csv);
        // Its button is gone meanwhile: the highlight drawn is no longer what the box says.
        await Expect(materializeSelection).ToHaveCountAsync(0);
        await Chromium.ScreenshotAsync(page, "selection-error");

        // Only the selection: the rest leaves the page (the layout stays), and the choice is in the address too.
        await SelectAsync(page, box, "kind:csv");
        await page.GetByLabel("only the selection").CheckAsync();
        await Expect(page).ToHaveURLAsync(OnlyInAddress());
        await Expect(page.Locator(".asset-node")).ToHaveCountAsync(csv.Count);
        await page.GetByLabel("only the selection").UncheckAsync();
        await Expect(page.Locator(".asset-node")).ToHaveCountAsync(3);

        // Emptying the box clears the selection and the address.
        await box.FillAsync("");
        await Expect(page).Not.ToHaveURLAsync(SelectInAddress());
        await Expect(page.Locator(".react-flow__node.hl-hit, .react-flow__node.hl-dim")).ToHaveCountAsync(0);
    }

    private static ILocator Node(IPage page, string key) => page.Locator($".asset-node[data-asset-key='{key}']");

    /// <summary>Types a selection and presses Enter, then waits for the address to hold it.</summary>
    internal static async Task SelectAsync(IPage page, ILocator box, string selection)
    {
        await box.FillAsync(selection);
        await box.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]select={Regex.Escape(FormEncoded(selection))}(&|$)"));
        Assert.Equal(selection, HttpUtility.ParseQueryString(new Uri(page.Url).Query)["select"]);
    }

    /// <summary>A value as the page's URLSearchParams writes it: space as '+', letters, digits and "*-._" as they are, the rest %XX.</summary>
    private static string FormEncoded(string value) =>
        string.Concat(System.Text.Encoding.UTF8.GetBytes(value).Select(b => (char)b switch
        {
            ' ' => "+",
            var c when char.IsAsciiLetterOrDigit(c) || c is '*' or '-' or '.' or '_' => c.ToString(),
            _ => $"%{b:X2}",
        }));

    /// <summary>Each of the seed's nodes highlighted when the API selects it and dimmed when not (a poll per node).</summary>
    private static async Task ExpectHighlightedAsync(IPage page, IReadOnlyCollection<string> expected)
    {
        foreach (var key in SeedKeys)
        {
            await Expect(page.Locator($".react-flow__node[data-id='{key}']"))
                .ToHaveClassAsync(expected.Contains(key) ? HitClass() : DimClass());
        }

        await Expect(page.Locator(".react-flow__node.hl-hit .asset-node")).ToHaveCountAsync(expected.Count);
    }

    /// <summary>What the API selects (in full: unknown keys an error, as the page's lineage read makes them).</summary>
    internal static async Task<List<string>> SelectedByApiAsync(IPage page, string selection)
    {
        var keys = new List<string>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/assets?limit=1000&unknownKeys=error&select={Uri.EscapeDataString(selection)}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var response = await page.APIRequest.GetAsync(url);
            Assert.Equal(200, response.Status);
            using var json = JsonDocument.Parse(await response.TextAsync());
            keys.AddRange(json.RootElement.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("key").GetString()!));
            cursor = json.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return keys;
    }

    /// <summary>The API's problem detail for a selection it refuses.</summary>
    private static async Task<string> ProblemAsync(IPage page, string selection)
    {
        var response = await page.APIRequest.GetAsync($"/api/v1/lineage?select={Uri.EscapeDataString(selection)}");
        Assert.Equal(400, response.Status);
        using var json = JsonDocument.Parse(await response.TextAsync());
        return json.RootElement.GetProperty("detail").GetString()!;
    }

    [GeneratedRegex(@"[?&]select=")]
    internal static partial Regex SelectInAddress();

    [GeneratedRegex(@"[?&]only=1")]
    private static partial Regex OnlyInAddress();

    [GeneratedRegex(@"\bhl-hit\b")]
    internal static partial Regex HitClass();

    [GeneratedRegex(@"\bhl-dim\b")]
    internal static partial Regex DimClass();
}

/// <summary>
/// The catalog's kind and owner filters on the MetadataKinds location (an owner each on two assets, a kind on one, and
/// a multi-asset's two outputs with neither owner), and the multi-asset marker on the graph and the catalog.
/// </summary>
public sealed class CatalogKindOwnerFilterTests(MetadataKindsFixture fixture) : IClassFixture<MetadataKindsFixture>
{
    [Fact]
    public async Task The_catalog_filters_by_kind_and_owner_from_the_address_and_shows_both_on_each_row()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/assets");
        var count = page.GetByTestId("catalog-count");
        await Expect(count).ToHaveTextAsync("4 assets");
        var downstream = page.Locator("[data-asset-key='reports/downstream']");
        var everyKind = page.Locator("[data-asset-key='reports/every_kind']");
        await Expect(downstream.Locator(".kind-badge")).ToHaveTextAsync(["parquet"]);
        await Expect(downstream.Locator(".owners-cell")).ToHaveTextAsync("team:reports");
        await Expect(everyKind.Locator(".owners-cell")).ToHaveTextAsync("qa@example.com");
        await Expect(everyKind.Locator(".kind-badge")).ToHaveCountAsync(0);

        await page.GetByLabel("Filter by kind").SelectOptionAsync("parquet");
        await Expect(page).ToHaveURLAsync(new Regex(@"[?&]kind=parquet"));
        await Expect(count).ToHaveTextAsync("1 of 4 assets");
        await Expect(downstream).ToBeVisibleAsync();
        await Expect(everyKind).ToHaveCountAsync(0);

        await page.GetByLabel("Filter by kind").SelectOptionAsync("");
        await page.GetByLabel("Filter by owner").SelectOptionAsync("qa@example.com");
        await Expect(page).ToHaveURLAsync(new Regex(@"[?&]owner=qa%40example\.com"));
        await Expect(count).ToHaveTextAsync("1 of 4 assets");
        await Expect(everyKind).ToBeVisibleAsync();
        await Expect(downstream).ToHaveCountAsync(0);

        // Both filters from a shared address: the owner's asset has no such kind.
        await page.GotoAsync("/assets?kind=parquet&owner=qa%40example.com");
        await Expect(page.GetByLabel("Filter by kind")).ToHaveValueAsync("parquet");
        await Expect(page.GetByLabel("Filter by owner")).ToHaveValueAsync("qa@example.com");
        await Expect(count).ToHaveTextAsync("0 of 4 assets");
        await page.ReloadAsync();
        await Expect(count).ToHaveTextAsync("0 of 4 assets");
        await Chromium.ScreenshotAsync(page, "catalog-kind-owner");
    }

    [Fact]
    public async Task A_multi_assets_outputs_name_it_on_their_nodes_and_rows()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync();
        foreach (var key in new[] { "reports/part_a", "reports/part_b" })
        {
            await Expect(page.Locator($".asset-node[data-asset-key='{key}'] [data-multi-asset]")).ToHaveAttributeAsync("data-multi-asset", "report_split");
        }

        await Expect(page.Locator(".asset-node[data-asset-key='reports/part_a'] .kind-badge")).ToHaveTextAsync(["csv"]);
        await Expect(page.Locator(".asset-node[data-asset-key='reports/downstream'] [data-multi-asset]")).ToHaveCountAsync(0);

        // The selection box picks the multi-asset's outputs by their kind like any asset's.
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Asset selection" });
        await AssetSelectionDashboardTests.SelectAsync(page, box, "kind:csv");
        await Expect(page.Locator(".react-flow__node[data-id='reports/part_a']")).ToHaveClassAsync(AssetSelectionDashboardTests.HitClass());
        await Expect(page.Locator(".react-flow__node[data-id='reports/part_b']")).ToHaveClassAsync(AssetSelectionDashboardTests.DimClass());
        await Chromium.ScreenshotAsync(page, "multi-asset-marker");

        await page.GotoAsync("/assets");
        await Expect(page.Locator("[data-asset-key='reports/part_b'] [data-multi-asset]")).ToHaveAttributeAsync("data-multi-asset", "report_split");
    }
}

/// <summary>
/// The selection box at 10,000 assets, where the graph opens collapsed: a selection of a few groups opens them, a
/// larger one marks the group boxes holding it. Times are printed, never asserted.
/// </summary>
public sealed class LargeSelectionDashboardTests(LargeCatalogFixture fixture, ITestOutputHelper output) : IClassFixture<LargeCatalogFixture>
{
    [Fact]
    public async Task A_selection_of_two_groups_opens_them_and_one_of_ten_marks_their_boxes()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await Expect(page.Locator("html[data-lineage=ready]")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Asset selection" });
        var clock = Stopwatch.StartNew();

        // 200 assets: few enough to lay out, so their groups open and their assets are drawn highlighted.
        const string TwoGroups = "group:group_003 or group:group_004";
        await AssetSelectionDashboardTests.SelectAsync(page, box, TwoGroups);
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("selects 200 assets");
        await Expect(page.Locator(".react-flow__node[data-id='g003_a000']")).ToHaveClassAsync(AssetSelectionDashboardTests.HitClass(), new() { Timeout = 60_000 });
        output.WriteLine($"{TwoGroups}: 200 assets highlighted, their 2 groups laid out and drawn {clock.ElapsedMilliseconds} ms after Enter (as polled; {await ResolvedAsync(page)})");
        await Expect(page.Locator(".group-list input[type=checkbox]:checked")).ToHaveCountAsync(2);
        await Expect(page.Locator(".react-flow__node.group-closed.hl-dim").First).ToBeAttachedAsync();

        // 1,000 assets in ten groups: too many to lay out at once, so the boxes say how many each holds.
        const string TenGroups = "key:\"g00*\"";
        clock.Restart();
        await AssetSelectionDashboardTests.SelectAsync(page, box, TenGroups);
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("selects 1,000 assets");
        var group5 = page.Locator(".react-flow__node.group-closed:has(.group-node[data-group=group_005])");
        await Expect(group5).ToHaveClassAsync(AssetSelectionDashboardTests.HitClass());
        output.WriteLine($"{TenGroups}: 1,000 assets in 10 collapsed groups marked {clock.ElapsedMilliseconds} ms after Enter (as polled; {await ResolvedAsync(page)})");
        await Expect(group5.Locator(".group-hits")).ToHaveTextAsync("100 selected");
        await Expect(page.Locator(".group-list input[type=checkbox]:checked")).ToHaveCountAsync(2);
        Assert.Equal(1000, (await AssetSelectionDashboardTests.SelectedByApiAsync(page, TenGroups)).Count);
        await Chromium.ScreenshotAsync(page, "selection-large-groups");

        // Every asset, the largest answer (the whole lineage again): nothing more opens, every box is marked.
        clock.Restart();
        await AssetSelectionDashboardTests.SelectAsync(page, box, "*");
        await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync("selects 10,000 assets");
        await Expect(group5.Locator(".group-hits")).ToHaveTextAsync("100 selected");
        output.WriteLine($"*: 10,000 assets marked {clock.ElapsedMilliseconds} ms after Enter (as polled; {await ResolvedAsync(page)})");
        await Expect(page.Locator(".group-list input[type=checkbox]:checked")).ToHaveCountAsync(2);
        await Expect(page.Locator(".react-flow__node.hl-dim")).ToHaveCountAsync(0);
    }

    /// <summary>The page's own measure: from asking the API to having its answer.</summary>
    private static async Task<string> ResolvedAsync(IPage page) => await page.GetByTestId("selection-count").GetAttributeAsync("title") ?? "";
}
