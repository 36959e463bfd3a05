using System.Text.Json;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>A dev-mode silo process with the test-only "partner" location (external assets), for the CLI's tests of them.</summary>
public sealed class PartnerSiloFixture : IAsyncLifetime
{
    public DevSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await DevSilo.StartAsync(new Dictionary<string, string>
    {
        ["OrleansAssets__CodeLocations__0__Assembly"] = Path.Combine(AppContext.BaseDirectory, "codelocations", "ExternalAssets", "ExternalAssets.dll"),
    });

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>
/// <c>oa report</c>, and what <c>oa assets</c>, <c>oa asset</c> and <c>oa materialize</c> say of external assets, over
/// HTTP and over Orleans alike.
/// </summary>
public sealed class ReportCliTests(PartnerSiloFixture fixture, ITestOutputHelper output) : IClassFixture<PartnerSiloFixture>
{
    [Fact]
    public async Task Oa_report_records_typed_metadata_and_makes_the_downstream_stale_with_the_reason()
    {
        var materialized = await Oa.RunAsync("--url", fixture.Silo.Url.ToString(), "materialize", "--select", "*", "--wait");
        output.WriteLine(materialized.ToString());
        Assert.Equal(0, materialized.ExitCode);
        Assert.Contains("feed_summary, feed_report", materialized.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("partner_feed", materialized.Output, StringComparison.Ordinal);

        foreach (var target in Targets)
        {
            var reported = await RunAsync(target, "report", "partner_feed", "--metadata", "rows=120", "--metadata", "ratio=0.5", "-m", "complete=true",
                "--metadata", "source=sftp", "--metadata", "batch:text=007", "--metadata", "link:url=https://partner.example.com/f.csv", "--data-version", "2026-12-01", "--json");
            Assert.Equal(0, reported.ExitCode);
            using var json = JsonDocument.Parse(reported.Output);
            var record = json.RootElement;
            Assert.Equal(("partner_feed", "2026-12-01", true), (record.GetProperty("assetKey").GetString(), record.GetProperty("dataVersion").GetString(), record.GetProperty("reported").GetBoolean()));
            var metadata = record.GetProperty("metadata");
            Assert.Equal(
                [("batch", "text", "007"), ("complete", "bool", "True"), ("link", "url", "https://partner.example.com/f.csv"), ("ratio", "float", "0.5"), ("rows", "int", "120"), ("source", "text", "sftp")],
                metadata.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (p.Name, p.Value.GetProperty("type").GetString(), p.Value.GetProperty("value").ToString())));

            var summary = await RunAsync(target, "asset", "feed_summary");
            Assert.Equal(0, summary.ExitCode);
            Assert.Contains("stale: upstream materialized since: partner_feed", summary.Output, StringComparison.Ordinal);
        }

        var table = await RunAsync(Targets[0], "report", "partner_feed", "--metadata", "rows=7");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Reported a materialization of partner_feed", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ rows\s+│ int\s+│ 7\s+│", table.Output);
    }

    [Fact]
    public async Task Oa_assets_and_oa_asset_say_an_asset_is_external_and_how_to_report_it()
    {
        foreach (var target in Targets)
        {
            var assets = await RunAsync(target, "assets", "--select", "*");
            Assert.Equal(0, assets.ExitCode);
            Assert.Matches(@"│ partner_feed\s+│ external\s+│ partner\s+│", assets.Output);
            Assert.Matches(@"│ feed_summary\s+│ asset\s+│ partner\s+│", assets.Output);

            Assert.Equal(0, (await RunAsync(target, "report", "partner_feed", "--metadata", "rows=3")).ExitCode);
            var asset = await RunAsync(target, "asset", "partner_feed");
            Assert.Contains("latest materialization: reported (report ", asset.Output, StringComparison.Ordinal);
            Assert.Equal(0, asset.ExitCode);
            Assert.Contains("external asset: produced outside OrleansAssets", asset.Output, StringComparison.Ordinal);
            Assert.Contains("oa report partner_feed", asset.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(" in 0 ms", asset.Output, StringComparison.Ordinal);
            using var json = JsonDocument.Parse((await RunAsync(target, "asset", "partner_feed", "--json")).Output);
            Assert.True(json.RootElement.GetProperty("external").GetBoolean());
        }
    }

    [Fact]
    public async Task A_report_id_makes_a_retried_report_land_once()
    {
        var id = Guid.NewGuid().ToString();
        var first = await RunAsync(Targets[1], "report", "partner_manifest", "--metadata", "files=2", "--report-id", id, "--json");
        var again = await RunAsync(Targets[0], "report", "partner_manifest", "--metadata", "files=3", "--report-id", id, "--json");

        Assert.Equal((0, 0), (first.ExitCode, again.ExitCode));
        using var one = JsonDocument.Parse(first.Output);
        using var two = JsonDocument.Parse(again.Output);
        Assert.Equal(id, two.RootElement.GetProperty("runId").GetString());
        Assert.Equal(one.RootElement.GetProperty("timestamp").GetString(), two.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(2, two.RootElement.GetProperty("metadata").GetProperty("files").GetProperty("value").GetInt32());
    }

    [Theory]
    [InlineData("report feed_summary", "'feed_summary' is not an external asset")]
    [InlineData("report feed_summary", "oa materialize --select feed_summary")]
    [InlineData("report no_such_feed", "Unknown asset key 'no_such_feed'")]
    [InlineData("report partner_feed --metadata nonsense", "--metadata 'nonsense' is not name=value")]
    [InlineData("report partner_feed --metadata rows:int=many", "'many' is not an int value")]
    [InlineData("report partner_feed --metadata rows:number=1", "'number' is not a metadata type")]
    [InlineData("report partner_feed --metadata rows=1 --metadata rows=2", "--metadata gives 'rows' twice")]
    [InlineData("report partner_feed --report-id abc", "--report-id 'abc' is not a uuid")]
    [InlineData("materialize --select partner_feed", "names external asset 'partner_feed'")]
    [InlineData("materialize --select partner_feed", "oa report partner_feed")]
    public async Task Bad_input_is_exit_2_with_the_problem_named(string command, string message)
    {
        foreach (var target in Targets)
        {
            var result = await RunAsync(target, command.Split(' '));
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Oa.AssertOurWords(result);
        }
    }

    [Fact]
    public async Task Oa_report_help_states_how_metadata_values_are_read()
    {
        var help = await Oa.RunAsync("report", "--help");

        Assert.Equal(0, help.ExitCode);
        var text = System.Text.RegularExpressions.Regex.Replace(help.Output, @"\s+", " ");
        Assert.Contains("reads as an integer (42, -7), a float (3.5, 1e6), a boolean (true, false) or else text", text, StringComparison.Ordinal);
        Assert.Contains("name:text=42", text, StringComparison.Ordinal);
    }

    private string[][] Targets => [["--url", fixture.Silo.Url.ToString()], ["--gateway", fixture.Silo.Gateway]];

    private async Task<OaResult> RunAsync(string[] target, params string[] command)
    {
        var result = await Oa.RunAsync([.. target, .. command]);
        output.WriteLine($"{string.Join(' ', target)} {string.Join(' ', command)}: {result}");
        return result;
    }
}
