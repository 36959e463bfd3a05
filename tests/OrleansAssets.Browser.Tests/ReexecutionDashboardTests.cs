using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansAssets.Browser.Tests;

/// <summary>The seed's pipeline with its output folder taken by a file, so its runs fail until the test makes the folder.</summary>
public sealed class BrokenOutputFixture() : DashboardFixture(new Dictionary<string, string> { ["Sales__OutputDir"] = OutputPath })
{
    public static readonly string OutputPath = Path.Combine(Directory.CreateTempSubdirectory("oa-reexec-").FullName, "out");

    static BrokenOutputFixture() => File.WriteAllText(OutputPath, "a file where a folder should be");
}

public sealed class ReexecutionDashboardTests(BrokenOutputFixture fixture) : IClassFixture<BrokenOutputFixture>
{
    [Fact]
    public async Task Re_execute_from_failure_on_a_failed_run_s_page_runs_what_failed_and_the_new_run_names_its_parent()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Url };
        var parent = await RunToEndAsync(http, "*");
        Assert.Equal("failure", parent.Status);

        // The cause is fixed; the user re-executes from the failed run's page.
        File.Delete(BrokenOutputFixture.OutputPath);
        Directory.CreateDirectory(BrokenOutputFixture.OutputPath);
        var page = await fixture.Chromium.NewPageAsync(fixture.Silo.Url);
        await page.GotoAsync($"/runs/{parent.RunId}");
        await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "failure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-execute from failure" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/runs/(?!" + parent.RunId + ")[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        await Expect(page.Locator(".run-page")).ToHaveAttributeAsync("data-run-status", "success", new() { Timeout = 60_000 });
        var reexecutes = page.GetByTestId("reexecution-of");
        await Expect(reexecutes).ToContainTextAsync("from failure");
        await Expect(reexecutes.GetByRole(AriaRole.Link, new() { Name = parent.RunId[..8] })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "reexecution-from-failure");

        var child = new Uri(page.Url).AbsolutePath.Split('/')[^1];
        using var childRun = JsonDocument.Parse(await http.GetStringAsync($"api/v1/runs/{child}"));
        var materialized = childRun.RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "materialization")
            .Select(e => e.GetProperty("assetKey").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.DoesNotContain("raw_sales_data", materialized);
        Assert.NotEmpty(materialized);

        // The runs list links the re-execution to its parent; the finished run offers only "all" once nothing failed.
        await page.GotoAsync("/runs");
        var row = page.Locator($"tr[data-run-id='{child}']");
        await Expect(row.GetByTestId("reexecutes").GetByRole(AriaRole.Link, new() { Name = parent.RunId[..8] })).ToBeVisibleAsync();
        await page.GotoAsync($"/runs/{child}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Re-execute all" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Re-execute from failure" })).ToHaveCountAsync(0);

        // The asset page says what happens when the asset's code fails: the example declares no retry policy.
        await page.GotoAsync("/assets/sales_summary");
        await Expect(page.GetByTestId("retry-policy")).ToHaveTextAsync("none: a failure of its code fails the step");
    }

    private static async Task<(string RunId, string Status)> RunToEndAsync(HttpClient http, string selection)
    {
        using var response = await http.PostAsJsonAsync("api/v1/runs", new { selection });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var runId = JsonDocument.Parse(text).RootElement.GetProperty("runId").GetString()!;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync($"api/v1/runs/{runId}"));
            if (json.RootElement.GetProperty("status").GetString() is "success" or "failure" or "canceled")
            {
                return (runId, json.RootElement.GetProperty("status").GetString()!);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"run {runId} did not end");
    }
}
