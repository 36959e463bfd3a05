using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansAssets.Assets;
using OrleansAssets.Automation;
using OrleansAssets.Client.Http;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.Cluster;

namespace OrleansAssets.Tests.Gateway;

/// <summary>The test-only "partner" location (tests/TestLocations/ExternalAssets) on a cluster and gateway of its own.</summary>
public sealed class ExternalAssetsFixture : GatewayFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) =>
        options.AddCodeLocation("partner", CodeLocationAssembly("ExternalAssets"));
}

/// <summary>
/// External assets over Orleans, the REST API and the HTTP client: listed and marked, never in a run, reported once
/// per report id, and a report makes the downstream stale and fires the asset sensor watching it.
/// </summary>
public sealed class ExternalAssetTests(ExternalAssetsFixture fixture) : IClassFixture<ExternalAssetsFixture>
{
    private OrleansAssets.Client.OrleansAssetsClient Sdk => fixture.Client;

    [Fact]
    public async Task Listings_the_lineage_and_the_asset_say_which_assets_are_external()
    {
        await AssetsLoadedAsync();

        var listed = (await Sdk.ListAssetsAsync()).ToDictionary(a => a.Key);
        Assert.True(listed["partner_feed"].IsExternal);
        Assert.True(listed["partner_manifest"].IsExternal);
        Assert.False(listed["feed_summary"].IsExternal);
        Assert.Equal(["partner_feed", "partner_manifest"], (await Sdk.GetLineageAsync()).Nodes.Where(n => n.IsExternal).Select(n => n.Key).Order());

        using var page = JsonDocument.Parse(await fixture.Http.GetStringAsync("api/v1/assets?select=*"));
        var items = page.RootElement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!);
        Assert.Equal(4, items.Count);
        Assert.True(items["partner_feed"].GetProperty("isExternal").GetBoolean());
        using var asset = JsonDocument.Parse(await fixture.Http.GetStringAsync("api/v1/assets/partner_feed"));
        Assert.True(asset.RootElement.GetProperty("external").GetBoolean());
        Assert.Equal(["partner_manifest"], asset.RootElement.GetProperty("dependencies").EnumerateArray().Select(d => d.GetString()));
    }

    [Theory]
    [InlineData("*", "feed_summary feed_report")]
    [InlineData("partner_feed+", "feed_summary")]
    [InlineData("*feed_report", "feed_summary feed_report")]
    [InlineData("group:partner", "feed_summary feed_report")]
    public async Task A_run_never_materializes_an_external_asset(string selection, string expected)
    {
        await AssetsLoadedAsync();

        var run = await fixture.MaterializeAsync(selection);

        Assert.Equal(RunStatus.Success, run.Run.Status);
        Assert.Equal(expected.Split(' '), run.Run.AssetKeys);
        Assert.DoesNotContain(run.Steps, s => s.AssetKey.StartsWith("partner_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Naming_an_external_asset_in_a_run_is_an_error_that_says_to_report_it()
    {
        await AssetsLoadedAsync();

        var named = await Assert.ThrowsAsync<AssetSelectionException>(() => Sdk.MaterializeAsync("feed_summary,partner_feed"));
        Assert.Contains("names external asset 'partner_feed'", named.Message, StringComparison.Ordinal);
        Assert.Contains("oa report partner_feed", named.Message, StringComparison.Ordinal);
        var only = await Assert.ThrowsAsync<AssetSelectionException>(() => Sdk.MaterializeAsync("key:\"partner_*\""));
        Assert.Contains("selects only external assets ('partner_manifest', 'partner_feed')", only.Message, StringComparison.Ordinal);

        using var response = await fixture.Http.PostAsJsonAsync("api/v1/runs", new { selection = "partner_feed" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("oa report partner_feed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var http = new OrleansAssetsHttpClient(fixture.BaseAddress);
        Assert.Contains("names external asset", (await Assert.ThrowsAsync<AssetSelectionException>(() => http.MaterializeAsync("partner_feed"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_is_recorded_once_and_makes_its_downstream_stale_until_a_run_consumes_it()
    {
        await AssetsLoadedAsync();
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("*")).Run.Status);
        Assert.Equal(AssetStatus.Materialized, (await Sdk.GetAssetAsync("feed_summary")).State.Status);

        var id = Guid.NewGuid();
        var metadata = new Dictionary<string, MetadataValue> { ["rows"] = 120, ["source"] = "sftp" };
        var record = await Sdk.ReportMaterializationAsync("partner_feed", metadata, "2026-12-01", id);
        var retried = await Sdk.ReportMaterializationAsync("partner_feed", new Dictionary<string, MetadataValue> { ["rows"] = 999 }, "other", id);

        Assert.Equal((id, true, "2026-12-01", 120L), (record.RunId, record.Reported, record.DataVersion, record.Metadata["rows"].IntValue));
        Assert.Equal((record.Timestamp, "2026-12-01", 120L), (retried.Timestamp, retried.DataVersion, retried.Metadata["rows"].IntValue));
        Assert.Single(await Sdk.ListMaterializationsAsync("partner_feed"), m => m.RunId == id);
        var feed = await Sdk.GetAssetAsync("partner_feed");
        Assert.Equal((id, true), (feed.State.Latest!.RunId, feed.State.Latest.Reported));
        Assert.Single(feed.State.History, h => h.RunId == id);
        Assert.DoesNotContain(await Sdk.ListRunsAsync(), r => r.RunId == id);

        // Stale with the reason, from the grain, the listing, the lineage and the API alike.
        const string Reason = "upstream materialized since: partner_feed";
        var summary = await Sdk.GetAssetAsync("feed_summary");
        Assert.Equal(AssetStatus.Stale, summary.State.Status);
        Assert.Contains(Reason, summary.State.StaleReasons.Select(r => r.Message));
        Assert.Contains(Reason, (await Sdk.ListAssetsAsync()).Single(a => a.Key == "feed_summary").StaleReasons.Select(r => r.Message));
        Assert.Equal(AssetStatus.Stale, (await Sdk.GetLineageAsync()).Nodes.Single(n => n.Key == "feed_summary").Status);
        using (var json = JsonDocument.Parse(await fixture.Http.GetStringAsync("api/v1/assets/feed_summary")))
        {
            Assert.Contains(Reason, json.RootElement.GetProperty("staleReasons").EnumerateArray().Select(r => r.GetProperty("message").GetString()));
        }

        // A run of the downstream reads the report as its upstream's latest materialization.
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("feed_summary")).Run.Status);
        var caughtUp = await Sdk.GetAssetAsync("feed_summary");
        Assert.Equal(id, caughtUp.State.Latest!.ConsumedUpstream["partner_feed"]);
        Assert.DoesNotContain(caughtUp.State.StaleReasons, r => r.Upstream == "partner_feed");
    }

    [Fact]
    public async Task A_report_fires_the_asset_sensor_watching_the_external_asset()
    {
        await AssetsLoadedAsync();
        await Sdk.SetAutomationStatusAsync(AutomationKind.Sensor, "partner_feed_arrived", AutomationStatus.Running, "the test");
        try
        {
            var id = Guid.NewGuid();
            await Sdk.ReportMaterializationAsync("partner_feed", new Dictionary<string, MetadataValue> { ["rows"] = 1 }, reportId: id);

            RunRecord? fired = null;
            for (var waited = 0; fired is null && waited < 300; waited++)
            {
                fired = (await Sdk.ListRunsAsync(new RunQuery { Tags = { [RunTags.Sensor] = "partner_feed_arrived" } }))
                    .FirstOrDefault(r => r.Tags.GetValueOrDefault("oa/upstream-run") == id.ToString());
                await Task.Delay(fired is null ? 100 : 0);
            }

            Assert.NotNull(fired);
            Assert.Equal(["feed_summary"], fired.AssetKeys);
            Assert.Equal(RunStatus.Success, (await fixture.WaitAsync(fired.RunId)).Run.Status);
        }
        finally
        {
            await Sdk.SetAutomationStatusAsync(AutomationKind.Sensor, "partner_feed_arrived", AutomationStatus.Stopped, "the test");
        }
    }

    [Fact]
    public async Task Reporting_a_normal_or_unknown_asset_is_a_named_error_on_every_client()
    {
        await AssetsLoadedAsync();
        using var http = new OrleansAssetsHttpClient(fixture.BaseAddress);
        foreach (var client in new OrleansAssets.Client.IOrleansAssetsClient[] { Sdk, http })
        {
            var normal = await Assert.ThrowsAsync<NotExternalAssetException>(() => client.ReportMaterializationAsync("feed_summary"));
            Assert.Contains("'feed_summary' is not an external asset", normal.Message, StringComparison.Ordinal);
            Assert.Contains("oa materialize --select feed_summary", normal.Message, StringComparison.Ordinal);
            Assert.Contains("Unknown asset key 'no_such_feed'", (await Assert.ThrowsAsync<NotFoundException>(() => client.ReportMaterializationAsync("no_such_feed"))).Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await Sdk.ListMaterializationsAsync("feed_summary")).Count(m => m.Reported));
    }

    [Fact]
    public async Task The_api_reads_plain_and_typed_metadata_and_answers_201_with_the_record()
    {
        await AssetsLoadedAsync();
        var id = Guid.NewGuid();
        var body = $$$"""
            {"asset": "partner_manifest", "reportId": "{{{id}}}", "dataVersion": "m-7",
             "metadata": {"rows": 120, "ratio": 0.25, "complete": true, "source": "sftp", "link": {"type": "url", "value": "https://partner.example.com/m.json"}, "files": ["a.csv", "b.csv"]}}
            """;
        using var response = await fixture.Http.PostAsync("api/v1/materializations", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var record = JsonSerializer.Deserialize<MaterializationRecord>(text, OrleansAssets.Client.OrleansAssetsJson.Options)!;
        Assert.Equal((id, "m-7", true), (record.RunId, record.DataVersion, record.Reported));
        Assert.Equal(
            [("complete", MetadataKind.Bool), ("files", MetadataKind.Json), ("link", MetadataKind.Url), ("ratio", MetadataKind.Float), ("rows", MetadataKind.Int), ("source", MetadataKind.Text)],
            record.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (m.Key, m.Value.Kind)));

        // The HTTP client sends the typed form: what it reports comes back as it went.
        using var http = new OrleansAssetsHttpClient(fixture.BaseAddress);
        var viaHttp = await http.ReportMaterializationAsync("partner_manifest", new Dictionary<string, MetadataValue> { ["at"] = MetadataValue.Path("/in/m.json"), ["n"] = 2.5 }, null);
        Assert.Equal((MetadataKind.Path, "/in/m.json", 2.5), (viaHttp.Metadata["at"].Kind, viaHttp.Metadata["at"].Text, viaHttp.Metadata["n"].FloatValue));
        Assert.Equal(16, viaHttp.DataVersion.Length);
        Assert.Equal(viaHttp.RunId, (await Sdk.GetAssetAsync("partner_manifest")).State.Latest!.RunId);
    }

    [Theory]
    [InlineData("", "The body is empty")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("{}", "The body needs asset")]
    [InlineData("{\"asset\": 3}", "asset must be a string")]
    [InlineData("{\"asset\": \"partner_feed\", \"rows\": 3}", "'rows' is not a field of a materialization report")]
    [InlineData("{\"asset\": \"partner_feed\", \"metadata\": [1]}", "metadata must be an object")]
    [InlineData("{\"asset\": \"partner_feed\", \"metadata\": {\"rows\": null}}", "metadata 'rows' is null")]
    [InlineData("{\"asset\": \"partner_feed\", \"metadata\": {\"link\": {\"type\": \"url\", \"value\": \"not a url\"}}}", "metadata 'link' is not a valid 'url' value")]
    [InlineData("{\"asset\": \"partner_feed\", \"reportId\": \"abc\"}", "reportId must be a uuid")]
    [InlineData("{\"asset\": \"feed_summary\"}", "not an external asset")]
    public async Task A_bad_report_is_a_400_problem_naming_what_is_wrong(string body, string detail)
    {
        await AssetsLoadedAsync();

        using var response = await fixture.Http.PostAsync("api/v1/materializations", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(detail, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reporting_an_unknown_asset_over_the_api_is_a_404()
    {
        using var response = await fixture.Http.PostAsJsonAsync("api/v1/materializations", new { asset = "no_such_feed" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task AssetsLoadedAsync()
    {
        // The silo publishes its code location as it starts: wait until the catalog has it.
        for (var waited = 0; (await Sdk.ListAssetsAsync()).Count < 4 && waited < 100; waited++)
        {
            await Task.Delay(100);
        }
    }
}
