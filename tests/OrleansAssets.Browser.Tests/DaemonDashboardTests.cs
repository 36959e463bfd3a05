using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>
/// The daemon's pages in a real browser: jobs and their launchpad, schedules and sensors with their ticks, the run
/// queue and canceling. Times are printed (what the README quotes), never asserted.
/// </summary>
public sealed class DaemonDashboardTests(DaemonDashboardFixture fixture, ITestOutputHelper output) : IClassFixture<DaemonDashboardFixture>
{
    private static readonly string[] SalesAssets = ["raw_sales_data", "cleaned_sales_data", "sales_summary"];

    [Fact]
    public async Task The_jobs_list_shows_sales_job_and_its_page_draws_its_three_assets_and_its_op_apart()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Jobs" }).ClickAsync();
        var row = page.Locator("tr[data-job=sales_job]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator(".steps-cell")).ToContainTextAsync("4 steps");
        await Expect(row.Locator(".tag")).ToHaveTextAsync("pipeline=sales");
        await Expect(row).ToContainTextAsync("raw_sales_data -> cleaned_sales_data -> sales_summary");
        await Expect(page.Locator("tr[data-job=sales_report]")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-job=sales_alert]")).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "daemon-jobs");

        await row.GetByRole(AriaRole.Link, new() { Name = "sales_job" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("sales_job");
        var graph = page.GetByTestId("job-graph");
        foreach (var key in SalesAssets)
        {
            await Expect(graph.Locator($".step-node[data-step-key='{key}']")).ToHaveAttributeAsync("data-kind", "asset");
            await Expect(graph.Locator($".step-node[data-step-key='{key}']")).ToBeVisibleAsync();
        }

        var op = graph.Locator(".step-node[data-step-key='log_sales_summary']");
        await Expect(op).ToHaveAttributeAsync("data-kind", "op");
        await Expect(op).ToHaveClassAsync(new Regex("kind-op"));
        await Expect(op.Locator(".step-kind")).ToHaveTextAsync("op");
        await Expect(graph.Locator(".step-node")).ToHaveCountAsync(4);
        // The op hangs off sales_summary: an edge between them is drawn.
        await Expect(graph.Locator(".react-flow__edge[data-id='sales_summary\u2192log_sales_summary']")).ToHaveCountAsync(1);
        await Chromium.ScreenshotAsync(page, "daemon-job-sales_job");

        await PrintLoadTimeAsync(page, "/jobs", page.Locator("tr[data-job=sales_job]"), "jobs list");
        await PrintLoadTimeAsync(page, "/jobs/sales_job", page.Locator("[data-testid=job-graph][data-ready=true] .step-node[data-kind=op]"), "job page with its graph");
    }

    [Fact]
    public async Task Launching_sales_job_from_the_launchpad_makes_a_run_that_succeeds()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/jobs/sales_job");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch" }).ClickAsync();
        var launchpad = page.GetByRole(AriaRole.Dialog);
        await Expect(launchpad).ToBeVisibleAsync();
        // Prefilled with the job's default config (sales_job has none: an empty object), and the fields its steps take.
        await Expect(launchpad.GetByLabel("Run config")).ToHaveValueAsync("{}");
        await Expect(launchpad.Locator(".schema")).ToContainTextAsync("path: string");
        await launchpad.GetByLabel("Tags").FillAsync("owner=browser-test");
        await launchpad.GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();

        try
        {
            // The other test projects run at the same time; on a loaded machine the submit and the page take longer.
            // Polls the address rather than waiting for a navigation event, which a client-side route change can slip past.
            await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"), new() { Timeout = 90_000 });
        }
        catch (TimeoutException)
        {
            await Chromium.ScreenshotAsync(page, "daemon-launch-stuck");
            output.WriteLine(fixture.Silo.Log);
            throw;
        }
        var runPage = page.Locator(".run-page");
        await Expect(runPage).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 90_000 });
        await Expect(page.Locator(".fact-value .tag").GetByText("owner=browser-test")).ToBeVisibleAsync();
        await Expect(page.Locator(".fact-value .tag").GetByText("pipeline=sales")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("event-log").GetByText("3 product(s); top B with 26,000")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=gantt] [data-step='log_sales_summary']")).ToHaveAttributeAsync("data-status", "success");
        await Chromium.ScreenshotAsync(page, "daemon-launched-run");
    }

    [Fact]
    public async Task A_run_config_that_does_not_fit_shows_the_problem_naming_the_step_and_field_and_keeps_what_was_typed()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/jobs/sales_job");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch" }).ClickAsync();
        var launchpad = page.GetByRole(AriaRole.Dialog);
        const string Bad = "{\n  \"raw_sales_data\": {\"file\": \"x.csv\"}\n}";
        await launchpad.GetByLabel("Run config").FillAsync(Bad);
        await launchpad.GetByLabel("Tags").FillAsync("owner=typed-by-hand");
        await launchpad.GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();

        var problem = launchpad.GetByRole(AriaRole.Alert);
        await Expect(problem).ToContainTextAsync("raw_sales_data");
        await Expect(problem).ToContainTextAsync("has field 'file', which it does not take (it takes: path)");
        output.WriteLine("the launchpad said: " + await problem.TextContentAsync());
        Assert.EndsWith("/jobs/sales_job", page.Url, StringComparison.Ordinal);
        await Expect(launchpad.GetByLabel("Run config")).ToHaveValueAsync(Bad);
        await Expect(launchpad.GetByLabel("Tags")).ToHaveValueAsync("owner=typed-by-hand");
        await Chromium.ScreenshotAsync(page, "daemon-launchpad-bad-config");

        // Text that is not JSON is caught before it is sent, and kept too.
        await launchpad.GetByLabel("Run config").FillAsync("{\"raw_sales_data\": ");
        await launchpad.GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();
        await Expect(problem).ToContainTextAsync("not JSON");
        await Expect(launchpad.GetByLabel("Run config")).ToHaveValueAsync("{\"raw_sales_data\": ");
    }

    [Fact]
    public async Task The_schedules_page_shows_sales_daily_stopped_with_Tokyo_ticks_and_a_start_persists_across_a_reload()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Automation" }).ClickAsync();
        var row = page.Locator("tr[data-schedule=sales_daily]");
        await Expect(row).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(row.Locator(".zone")).ToHaveTextAsync("Asia/Tokyo");
        await Expect(row.Locator("td.mono")).ToHaveTextAsync("0 0 * * *");
        var ticks = row.Locator(".next-ticks time");
        await Expect(ticks).ToHaveCountAsync(3);
        foreach (var text in await ticks.AllTextContentsAsync())
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\d 00:00 \+09:00$", text);
        }

        // The sensors, each as what it is.
        await Expect(page.Locator("tr[data-sensor=sales_inbox] .interval")).ToHaveTextAsync("5 s");
        await Expect(page.Locator("tr[data-sensor=sales_inbox] .kind-cell")).ToHaveTextAsync("function sensor");
        await Expect(page.Locator("tr[data-sensor=sales_summary_changed] .watches")).ToHaveTextAsync("sales_summary");
        await Expect(page.Locator("tr[data-sensor=sales_job_failed] .kind-cell")).ToHaveTextAsync("run-status sensor");
        await Chromium.ScreenshotAsync(page, "daemon-automation");

        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" });
        await Expect(toggle).Not.ToBeCheckedAsync();
        await toggle.ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "running");
        await Expect(toggle).ToBeCheckedAsync();

        await page.ReloadAsync();
        await Expect(page.Locator("tr[data-schedule=sales_daily]")).ToHaveAttributeAsync("data-status", "running");
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" })).ToBeCheckedAsync();

        // Its own page says the same, with its next ticks, and stops it again (which persists too).
        await page.Locator("tr[data-schedule=sales_daily]").GetByRole(AriaRole.Link, new() { Name = "sales_daily" }).ClickAsync();
        var item = page.Locator(".schedule-page");
        await Expect(item).ToHaveAttributeAsync("data-status", "running");
        await Expect(item.Locator("ol[aria-label='Next ticks of sales_daily'] time")).ToHaveCountAsync(10);
        await Expect(item.Locator("ol[aria-label='Next ticks of sales_daily'] time").First).ToHaveTextAsync(new Regex(@"00:00 \+09:00$"));
        await Chromium.ScreenshotAsync(page, "daemon-schedule-sales_daily");
        await page.GetByRole(AriaRole.Switch, new() { Name = "sales_daily running" }).ClickAsync();
        await Expect(item).ToHaveAttributeAsync("data-status", "stopped");
        await page.ReloadAsync();
        await Expect(page.Locator(".schedule-page")).ToHaveAttributeAsync("data-status", "stopped");

        await PrintLoadTimeAsync(page, "/automation", page.Locator("tr[data-schedule=sales_daily] .next-ticks time").First, "schedules and sensors page");
    }

    [Fact]
    public async Task A_CSV_dropped_in_the_inbox_shows_on_the_sales_inbox_page_as_a_started_tick_with_a_link_to_its_run()
    {
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync("/automation/sensors/sales_inbox");
        await Expect(page.Locator(".sensor-page")).ToHaveAttributeAsync("data-status", "running");
        await Expect(page.Locator(".fact-value").GetByText("5 s")).ToBeVisibleAsync();

        // Written beside the inbox and renamed into it, as the sensor asks, so it never reads half a file.
        var name = $"browser-{Guid.NewGuid():N}.csv";
        var staged = Path.Combine(DaemonDashboardFixture.Inbox, "." + name + ".tmp");
        File.Copy(SalesCsv, staged);
        File.Move(staged, Path.Combine(DaemonDashboardFixture.Inbox, name));

        var started = page.Locator("[data-testid=ticks] tr[data-tick-status=started]").First;
        await Expect(started).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var link = started.Locator("a.run-link").First;
        await Expect(link).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "daemon-sensor-sales_inbox");
        var runId = await link.GetAttributeAsync("data-run-id");
        await link.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/runs/" + Regex.Escape(runId!) + "$"));
        await Expect(page.Locator(".run-page .fact-value .tag").GetByText($"sales/file={name}")).ToBeVisibleAsync();
        await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 90_000 });
    }

    [Fact]
    public async Task The_queue_page_lists_a_queued_run_whose_Cancel_removes_it_and_run_pages_cancel_queued_and_running_runs()
    {
        // Two million rows: a run that reads them for many seconds, so the ones behind it wait in the one-run queue.
        var csv = Path.Combine(Path.GetTempPath(), $"oa-big-{Guid.NewGuid():N}.csv");
        await WriteBigCsvAsync(csv, 2_000_000);
        try
        {
            using var http = new HttpClient { BaseAddress = fixture.Silo.Url };
            var launch = new { tags = new Dictionary<string, string> { ["size"] = "big" }, config = new { raw_sales_data = new { path = Path.GetFullPath(csv) } } };
            var running = await LaunchAsync(http, launch);
            await WaitForStatusAsync(http, running, "started");
            var first = await LaunchAsync(http, launch);
            var second = await LaunchAsync(http, launch);

            var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
            var clock = Stopwatch.StartNew();
            await page.GotoAsync("/queue");
            var firstRow = page.Locator($"tr[data-run-id='{first}']");
            var secondRow = page.Locator($"tr[data-run-id='{second}']");
            await Expect(firstRow).ToBeVisibleAsync();
            output.WriteLine($"queue page: its first queued run shown {clock.ElapsedMilliseconds} ms after navigation began");
            await Expect(secondRow).ToBeVisibleAsync();
            await Expect(page.GetByTestId("max-concurrent-runs")).ToHaveTextAsync("1");
            await Expect(page.Locator($"[data-testid=running] li[data-run-id='{running}']")).ToBeVisibleAsync();
            await Expect(firstRow.Locator(".tag").GetByText("size=big")).ToBeVisibleAsync();
            var firstPosition = int.Parse(await firstRow.GetAttributeAsync("data-position") ?? "", System.Globalization.CultureInfo.InvariantCulture);
            var secondPosition = int.Parse(await secondRow.GetAttributeAsync("data-position") ?? "", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(firstPosition < secondPosition, $"positions {firstPosition} and {secondPosition}: the first submitted starts first");
            await Expect(firstRow.Locator(".position")).ToHaveTextAsync(firstPosition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Chromium.ScreenshotAsync(page, "daemon-queue");

            // Cancel asks first, then the run leaves the queue.
            await firstRow.GetByRole(AriaRole.Button, new() { Name = $"Cancel run {first}" }).ClickAsync();
            await firstRow.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the run" }).ClickAsync();
            await Expect(firstRow).ToHaveCountAsync(0);
            await Expect(secondRow).ToBeVisibleAsync();
            await page.GotoAsync($"/runs/{first}");
            await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "canceled");

            // A queued run's page: its place in the queue, and Cancel; the page turns canceled from the live stream.
            await page.GotoAsync($"/runs/{second}");
            await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "queued");
            await Expect(page.GetByTestId("queue-position")).ToContainTextAsync(new Regex(@"number \d+ in the queue"));
            await Chromium.ScreenshotAsync(page, "daemon-run-queued");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Cancel run {second}" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the run" }).ClickAsync();
            await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "canceled");

            // And the running one: its steps are stopped, and it ends canceled.
            await page.GotoAsync($"/runs/{running}");
            await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "started");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Cancel run {running}" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the run" }).ClickAsync();
            await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "canceled", new() { Timeout = 60_000 });
            await Chromium.ScreenshotAsync(page, "daemon-run-canceled");

            await page.GotoAsync("/queue");
            await Expect(page.Locator($"tr[data-run-id='{second}']")).ToHaveCountAsync(0);
            await Expect(page.Locator($"[data-testid=running] li[data-run-id='{running}']")).ToHaveCountAsync(0);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    private static string SalesCsv { get; } = FindSalesCsv();

    private static string FindSalesCsv()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var csv = Path.Combine(dir.FullName, "examples", "SalesPipeline", "data", "sales.csv");
            if (File.Exists(csv))
            {
                return csv;
            }
        }

        throw new InvalidOperationException("examples/SalesPipeline/data/sales.csv not found above " + AppContext.BaseDirectory);
    }

    private static async Task WriteBigCsvAsync(string path, int rows)
    {
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("date,product,quantity,price");
        for (var i = 0; i < rows; i++)
        {
            await writer.WriteLineAsync($"2026-01-{i % 28 + 1:00},{"ABCDE"[i % 5]},{i % 7 + 1},{(i % 13 + 1) * 100}");
        }
    }

    private static async Task<string> LaunchAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("api/v1/jobs/sales_job/runs", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("runId").GetString()!;
    }

    private static async Task WaitForStatusAsync(HttpClient http, string runId, string status)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync($"api/v1/runs/{runId}"));
            if (json.RootElement.GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"run {runId} never became {status}");
    }

    private async Task PrintLoadTimeAsync(IPage page, string path, ILocator ready, string what)
    {
        foreach (var visit in new[] { "first load", "again" })
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(path);
            await Expect(ready.First).ToBeVisibleAsync();
            output.WriteLine($"{what} ({path}), {visit}: shown {clock.ElapsedMilliseconds} ms after navigation began");
        }
    }
}
