using System.Text.Json;
using OrleansAssets.Client;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// <c>oa --url</c> against the dev-mode silo's gateway, and the same command over the Orleans client against the same
/// silo: the same output, byte for byte, and the same exit codes and messages.
/// </summary>
[Collection(DevSiloCollection.Name)]
public sealed class CliOverHttpTests(DevSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Materialize_waits_over_http_and_prints_the_run_as_oa_run_prints_it_either_way()
    {
        var waited = await fixture.OverHttpAsync("materialize", "--select", "*", "--wait", "--json");
        output.WriteLine(waited.ToString());

        Assert.Equal(0, waited.ExitCode);
        using var run = JsonDocument.Parse(waited.Output);
        var root = run.RootElement;
        Assert.Equal("success", root.GetProperty("status").GetString());
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], root.GetProperty("assetKeys").EnumerateArray().Select(k => k.GetString()));
        Assert.All(root.GetProperty("steps").EnumerateArray(), s => Assert.Equal("success", s.GetProperty("status").GetString()));
        var materializations = root.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "materialization").Select(e => e.GetProperty("assetKey").GetString()).ToList();
        Assert.Equal(["raw_sales_data", "cleaned_sales_data", "sales_summary"], materializations);
        // Progress goes to stderr, so stdout is the JSON alone.
        Assert.Contains("sales_summary materialized", waited.Error, StringComparison.Ordinal);

        var id = root.GetProperty("runId").GetString()!;
        var (overHttp, overOrleans) = await BothAsync("run", id, "--json");
        Assert.Equal(overOrleans.Output, overHttp.Output);
        Assert.Equal(waited.Output, overHttp.Output);
    }

    [Theory]
    [InlineData("assets")]
    [InlineData("asset", "sales_summary")]
    [InlineData("runs")]
    [InlineData("runs", "--status", "success", "--limit", "2")]
    [InlineData("silos")]
    [InlineData("code-locations")]
    public async Task Every_read_prints_the_same_json_over_http_and_over_orleans(params string[] command)
    {
        await EnsureMaterializedAsync();

        var (overHttp, overOrleans) = await BothAsync([.. command, "--json"]);

        Assert.Equal(0, overHttp.ExitCode);
        Assert.Equal(0, overOrleans.ExitCode);
        Assert.Equal(overOrleans.Output, overHttp.Output);
        using var json = JsonDocument.Parse(overHttp.Output);
        var list = command[0] switch
        {
            "assets" => "assets",
            "runs" => "runs",
            "silos" => "silos",
            "code-locations" => "codeLocations",
            _ => null,
        };
        if (list is null)
        {
            // One asset: its latest materialization with the article's metadata, as over Orleans.
            var top = json.RootElement.GetProperty("latestMaterialization").GetProperty("metadata").GetProperty("top_product");
            Assert.Equal(("text", "B"), (top.GetProperty("type").GetString(), top.GetProperty("value").GetString()));
        }
        else
        {
            // Amendment 5: a list is an object that names it.
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            Assert.Equal([list], json.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.NotEmpty(json.RootElement.GetProperty(list).EnumerateArray());
        }
    }

    [Theory]
    [InlineData("jobs", "jobs")]
    [InlineData("schedules", "schedules")]
    [InlineData("sensors", "sensors")]
    [InlineData("schedule ticks sales_daily", "ticks")]
    [InlineData("sensor ticks sales_inbox", "ticks")]
    [InlineData("schedule preview sales_daily --from 2026-01-01T00:00:00+09:00 --count 3", "ticks")]
    [InlineData("job sales_job", null)]
    [InlineData("schedule sales_daily", null)]
    [InlineData("sensor sales_job_failed", null)]
    [InlineData("queue", null)]
    public async Task Every_daemon_read_prints_the_same_json_over_http_and_over_orleans(string command, string? list)
    {
        var (overHttp, overOrleans) = await BothAsync([.. command.Split(' '), "--json"]);

        Assert.Equal(0, overHttp.ExitCode);
        Assert.Equal(0, overOrleans.ExitCode);
        Assert.Equal(overOrleans.Output, overHttp.Output);
        using var json = JsonDocument.Parse(overHttp.Output);
        if (list is not null)
        {
            Assert.Equal([list], json.RootElement.EnumerateObject().Select(p => p.Name));
        }

        if (command.StartsWith("schedule preview", StringComparison.Ordinal))
        {
            Assert.Equal(["2026-01-01T00:00:00+09:00", "2026-01-02T00:00:00+09:00", "2026-01-03T00:00:00+09:00"], json.RootElement.GetProperty("ticks").EnumerateArray().Select(t => t.GetString()));
            Assert.Contains("\"2026-01-02T00:00:00+09:00\"", overHttp.Output, StringComparison.Ordinal);
        }
        else if (command == "schedules")
        {
            var daily = json.RootElement.GetProperty("schedules")[0];
            Assert.Equal(("sales_daily", "0 0 * * *", "Asia/Tokyo", "sales_job"), (daily.GetProperty("name").GetString(), daily.GetProperty("cron").GetString(), daily.GetProperty("timeZone").GetString(), daily.GetProperty("job").GetString()));
            Assert.Contains(daily.GetProperty("status").GetString(), new[] { "running", "stopped" });
            Assert.Equal(5, daily.GetProperty("nextTicks").GetArrayLength());
        }
        else if (command == "queue")
        {
            Assert.True(json.RootElement.GetProperty("maxConcurrentRuns").GetInt32() > 0);
        }
    }

    [Fact]
    public async Task A_job_runs_and_is_waited_for_over_http_and_over_orleans_and_schedules_start_and_stop_either_way()
    {
        var waited = await fixture.OverHttpAsync("job", "run", "sales_job", "--tag", "owner=cli", "--wait", "--json");
        output.WriteLine(waited.ToString());
        Assert.Equal(0, waited.ExitCode);
        using (var run = JsonDocument.Parse(waited.Output))
        {
            Assert.Equal(("success", "sales_job", "cli"), (run.RootElement.GetProperty("status").GetString(), run.RootElement.GetProperty("job").GetString(), run.RootElement.GetProperty("tags").GetProperty("owner").GetString()));
            Assert.Contains(run.RootElement.GetProperty("steps").EnumerateArray(), s => s.GetProperty("assetKey").GetString() == "log_sales_summary");
            var (again, _) = await BothAsync("cancel", run.RootElement.GetProperty("runId").GetString()!);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("already ended (success at ", again.Error, StringComparison.Ordinal);
        }

        var started = await fixture.OverOrleansAsync("job", "run", "sales_report", "--json");
        Assert.Equal(0, started.ExitCode);
        using (var run = JsonDocument.Parse(started.Output))
        {
            Assert.Equal("sales_report", run.RootElement.GetProperty("job").GetString());
            using var client = new Client.Http.OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
            Assert.Equal(Runs.RunStatus.Success, (await client.WaitForRunAsync(run.RootElement.GetProperty("runId").GetGuid(), pollInterval: TimeSpan.FromMilliseconds(50))).Run.Status);
        }

        try
        {
            var start = await fixture.OverOrleansAsync("schedule", "start", "sales_daily");
            Assert.Equal(0, start.ExitCode);
            Assert.Contains("Schedule sales_daily is running.", start.Output, StringComparison.Ordinal);
            var listed = await fixture.OverHttpAsync("schedules", "--json");
            Assert.Contains("\"status\": \"running\"", listed.Output, StringComparison.Ordinal);
        }
        finally
        {
            var stop = await fixture.OverHttpAsync("schedule", "stop", "sales_daily", "--json");
            Assert.Equal(0, stop.ExitCode);
            using var stopped = JsonDocument.Parse(stop.Output);
            Assert.Equal("stopped", stopped.RootElement.GetProperty("status").GetString());
        }

        var (overHttp, overOrleans) = await BothAsync("schedule", "sales_daily", "--json");
        Assert.Equal(overOrleans.Output, overHttp.Output);
        Assert.Contains("\"status\": \"stopped\"", overOrleans.Output, StringComparison.Ordinal);
        var sensor = await fixture.OverHttpAsync("sensor", "stop", "sales_job_failed");
        Assert.Equal(0, sensor.ExitCode);
        Assert.Contains("Sensor sales_job_failed is stopped.", sensor.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await fixture.OverOrleansAsync("sensor", "start", "sales_job_failed")).ExitCode);
    }

    [Theory]
    [InlineData("assets")]
    [InlineData("asset", "sales_summary")]
    [InlineData("silos")]
    public async Task Tables_for_people_are_the_same_over_http_and_over_orleans(params string[] command)
    {
        await EnsureMaterializedAsync();

        var (overHttp, overOrleans) = await BothAsync(command);

        Assert.Equal(0, overHttp.ExitCode);
        Assert.Equal(overOrleans.Output, overHttp.Output);
    }

    [Fact]
    public async Task Materialize_without_wait_prints_the_run_id_and_the_run_can_be_followed_over_http()
    {
        var started = await fixture.OverHttpAsync("materialize", "--select", "raw_sales_data", "--json", "--tag", "owner=http-test");

        Assert.Equal(0, started.ExitCode);
        using var json = JsonDocument.Parse(started.Output);
        var id = json.RootElement.GetProperty("runId").GetGuid();
        Assert.Equal(["raw_sales_data"], json.RootElement.GetProperty("assetKeys").EnumerateArray().Select(k => k.GetString()));

        // Let it finish, so that the other tests of this silo compare a cluster at rest.
        using var client = new Client.Http.OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
        var finished = await client.WaitForRunAsync(id, pollInterval: TimeSpan.FromMilliseconds(50));
        Assert.Equal(Runs.RunStatus.Success, finished.Run.Status);
        Assert.Equal("http-test", finished.Run.Tags["owner"]);
    }

    [Theory]
    [InlineData("asset", "no_such_asset")]
    [InlineData("materialize", "--select", "no_such_asset+")]
    [InlineData("materialize", "--select", "%%")]
    [InlineData("run", "00000000-0000-0000-0000-000000000001")]
    [InlineData("materialize", "--select", "*", "--tag", "owner")]
    [InlineData("job", "no_such_job")]
    [InlineData("job", "run", "no_such_job")]
    [InlineData("job", "run", "sales_job", "--config", "{\"raw_sales_data\": {\"file\": \"x.csv\"}}")]
    [InlineData("job", "run", "sales_job", "--config", "{\"raw_sales_data\": ")]
    [InlineData("schedule", "no_such_schedule")]
    [InlineData("schedule", "ticks", "no_such_schedule")]
    [InlineData("schedule", "preview", "no_such_schedule")]
    [InlineData("sensor", "start", "no_such_sensor")]
    [InlineData("cancel", "00000000-0000-0000-0000-000000000001")]
    public async Task Bad_input_is_refused_with_the_same_words_and_exit_code_either_way(params string[] command)
    {
        var (overHttp, overOrleans) = await BothAsync(command);

        Assert.Equal(2, overHttp.ExitCode);
        Assert.Equal(2, overOrleans.ExitCode);
        Assert.Equal(ErrorLines(overOrleans), ErrorLines(overHttp));
        Oa.AssertOurWords(overHttp);
    }

    [Fact]
    public async Task Commands_over_http_take_no_longer_than_over_orleans()
    {
        await EnsureMaterializedAsync();
        var commands = new[] { new[] { "assets", "--json" }, ["asset", "sales_summary", "--json"], ["runs", "--json"], ["silos", "--json"], ["code-locations", "--json"] };
        var http = new List<TimeSpan>();
        var orleans = new List<TimeSpan>();
        foreach (var command in commands)
        {
            // One after the other, so neither process slows the other down.
            http.Add((await fixture.OverHttpAsync(command)).Elapsed);
            orleans.Add((await Oa.RunAsync(["--gateway", fixture.Silo.Gateway, "--cluster-id", "default", .. command])).Elapsed);
        }

        output.WriteLine($"oa --url (HTTP): {string.Join(", ", http.Select(t => $"{t.TotalMilliseconds:F0} ms"))}; median {Median(http):F0} ms");
        output.WriteLine($"oa --gateway (Orleans): {string.Join(", ", orleans.Select(t => $"{t.TotalMilliseconds:F0} ms"))}; median {Median(orleans):F0} ms");

        // The HTTP path starts no Orleans client: it is no slower (a generous margin for a loaded machine).
        Assert.True(Median(http) <= Median(orleans) * 1.5, $"HTTP {Median(http):F0} ms, Orleans {Median(orleans):F0} ms");
    }

    private static double Median(List<TimeSpan> times) => times.Select(t => t.TotalMilliseconds).Order().ElementAt(times.Count / 2);

    /// <summary>The error lines, without the note the Orleans path prints while it learns the cluster id.</summary>
    private static List<string> ErrorLines(OaResult result) =>
        [.. result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("note: ", StringComparison.Ordinal))];

    private async Task<(OaResult Http, OaResult Orleans)> BothAsync(params string[] command)
    {
        var results = await Task.WhenAll(fixture.OverHttpAsync(command), fixture.OverOrleansAsync(command));
        output.WriteLine($"--url: {results[0]}");
        output.WriteLine($"--gateway: {results[1]}");
        return (results[0], results[1]);
    }

    /// <summary>At least one finished run, whichever test of this silo comes first.</summary>
    [Fact]
    public async Task Runs_filtered_by_tag_are_only_those_with_it_over_http_and_over_orleans()
    {
        using var client = new Client.Http.OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
        var tagged = await client.MaterializeAsync("raw_sales_data", new Dictionary<string, string> { ["check"] = "tags" });
        await client.WaitForRunAsync(tagged.RunId, pollInterval: TimeSpan.FromMilliseconds(50));

        var (overHttp, overOrleans) = await BothAsync(["runs", "--tag", "check=tags", "--json"]);

        Assert.Equal(0, overHttp.ExitCode);
        Assert.Equal(overOrleans.Output, overHttp.Output);
        var runs = JsonDocument.Parse(overHttp.Output).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Contains(runs, r => r.GetProperty("runId").GetGuid() == tagged.RunId);
        Assert.All(runs, r => Assert.Equal("tags", r.GetProperty("tags").GetProperty("check").GetString()));
    }

    private async Task EnsureMaterializedAsync()
    {
        using var client = new Client.Http.OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
        if ((await client.GetAssetAsync("sales_summary")).State.Latest is null)
        {
            var run = await client.MaterializeAsync("*");
            await client.WaitForRunAsync(run.RunId, pollInterval: TimeSpan.FromMilliseconds(50));
        }
    }
}
