using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cli;

/// <summary><c>oa schedule preview --cron</c> computes the ticks itself: it works with nothing running and waits for no connection.</summary>
public sealed class SchedulePreviewTests(ITestOutputHelper output)
{
    /// <summary>Everything that would send oa to a cluster points where nothing listens.</summary>
    private static Dictionary<string, string> NothingRuns() => new()
    {
        ["OA_URL"] = $"http://127.0.0.1:{Oa.FreePort()}",
        ["OA_GATEWAYS"] = $"127.0.0.1:{Oa.FreePort()}",
    };

    [Theory]
    [InlineData("0 0 * * *", "Asia/Tokyo", "2026-01-01T00:00:00+09:00", "3", "2026-01-01T00:00:00+09:00\n2026-01-02T00:00:00+09:00\n2026-01-03T00:00:00+09:00\n")]
    [InlineData("*/20 * * * * *", null, "2026-01-01T00:00:05Z", "2", "2026-01-01T00:00:20+00:00\n2026-01-01T00:00:40+00:00\n")]
    [InlineData("30 2 * * *", "America/New_York", "2026-03-07T12:00:00", "2", "2026-03-08T03:00:00-04:00\n2026-03-09T02:30:00-04:00\n")]
    [InlineData("0 1 * * *", "America/New_York", "2026-11-01T00:00:00-04:00", "2", "2026-11-01T01:00:00-04:00\n2026-11-02T01:00:00-05:00\n")]
    [InlineData("@daily", "Europe/Paris", "2026-01-01T00:00:00+01:00", "1", "2026-01-01T00:00:00+01:00\n")]
    public async Task A_cron_preview_prints_one_tick_per_line_in_the_zone_with_nothing_running(string cron, string? zone, string from, string count, string expected)
    {
        string[] zoneArguments = zone is null ? [] : ["--timezone", zone];
        var text = await Oa.RunAsync(NothingRuns(), ["schedule", "preview", "--cron", cron, .. zoneArguments, "--from", from, "--count", count]);
        var json = await Oa.RunAsync(NothingRuns(), ["schedule", "preview", "--cron", cron, .. zoneArguments, "--from", from, "--count", count, "--json"]);
        output.WriteLine(text.ToString());
        output.WriteLine(json.ToString());

        Assert.Equal(0, text.ExitCode);
        Assert.Equal(expected, text.Output);
        Assert.Equal("", text.Error);
        Assert.Equal(0, json.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(json.Output);
        Assert.Equal(expected.TrimEnd('\n').Split('\n'), document.RootElement.GetProperty("ticks").EnumerateArray().Select(t => t.GetString()));

        // It did not try to connect: no retries, no timeouts, no note on stderr.
        Assert.True(text.Elapsed < TimeSpan.FromSeconds(10), $"took {text.Elapsed}");
    }

    [Theory]
    [InlineData("0 0 * *", null, "Invalid cron expression '0 0 * *': it has 4 fields")]
    [InlineData("61 * * * *", null, "Invalid cron expression '61 * * * *'")]
    [InlineData("@daily", "Mars/Olympus", "Unknown time zone 'Mars/Olympus'")]
    public async Task A_bad_cron_or_zone_exits_2_naming_what_is_wrong(string cron, string? zone, string says)
    {
        string[] zoneArguments = zone is null ? [] : ["--timezone", zone];
        var result = await Oa.RunAsync(NothingRuns(), ["schedule", "preview", "--cron", cron, .. zoneArguments]);
        output.WriteLine(result.ToString());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(says, result.Error, StringComparison.Ordinal);
        Oa.AssertOurWords(result);
    }

    [Theory]
    [InlineData("schedule", "preview")]
    [InlineData("schedule", "preview", "sales_daily", "--cron", "@daily")]
    [InlineData("schedule", "preview", "--cron", "@daily", "--count", "0")]
    [InlineData("schedule", "preview", "--cron", "@daily", "--from", "yesterday")]
    [InlineData("job", "run", "sales_job", "--config", "@/no/such/file.json")]
    public async Task Preview_and_launch_options_that_cannot_work_exit_2(params string[] arguments)
    {
        var result = await Oa.RunAsync(NothingRuns(), arguments);
        output.WriteLine(result.ToString());

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Oa.AssertOurWords(result);
    }
}
