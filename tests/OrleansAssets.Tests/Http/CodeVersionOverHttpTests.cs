using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansAssets.Client;
using OrleansAssets.CodeLocations;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// An asset's stale reasons as <c>oa asset</c> prints them, over <c>--url</c> and over the Orleans gateway, after the
/// sales location is published again with a changed code version (what a silo loading changed code does).
/// </summary>
[Collection(DevSiloCollection.Name)]
public sealed class CodeVersionOverHttpTests(DevSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Oa_asset_shows_the_same_stale_reasons_over_http_and_over_orleans()
    {
        await MaterializeAllAsync();
        var (host, _) = await TcpSilo.ConnectAsync(fixture.Silo.Gateway, "default");
        using var _host = host;
        var catalog = host.Services.GetRequiredService<IClusterClient>().GetGrain<IAssetCatalogGrain>(0);
        var original = (await catalog.GetGraph(0))!.CodeLocations.Single(l => l.Assets.Any(a => a.Key == "cleaned_sales_data"));
        var publisher = (await catalog.GetPublishers()).First(p => p.Value.Contains(original.Name)).Key;
        try
        {
            Assert.Equal("1", original.Assets.Single(a => a.Key == "cleaned_sales_data").CodeVersion);
            await catalog.Publish(original with { Assets = [.. original.Assets.Select(a => a.Key == "cleaned_sales_data" ? a with { CodeVersion = "2" } : a)] }, publisher);
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // the silo's copy of the graph asks the catalog once a second

            var (cleanedOverHttp, cleanedOverOrleans) = await BothAsync("asset", "cleaned_sales_data", "--json");
            Assert.Equal((0, 0), (cleanedOverHttp.ExitCode, cleanedOverOrleans.ExitCode));
            Assert.Equal(cleanedOverOrleans.Output, cleanedOverHttp.Output);
            using (var cleaned = JsonDocument.Parse(cleanedOverHttp.Output))
            {
                Assert.Equal(("stale", "2"), (cleaned.RootElement.GetProperty("status").GetString(), cleaned.RootElement.GetProperty("codeVersion").GetString()));
                var reason = Assert.Single(cleaned.RootElement.GetProperty("staleReasons").EnumerateArray());
                Assert.Equal(("codeVersionChanged", "1", "2", "code version changed (1 → 2)"), (reason.GetProperty("kind").GetString(), reason.GetProperty("from").GetString(), reason.GetProperty("to").GetString(), reason.GetProperty("message").GetString()));
                Assert.Equal("1", cleaned.RootElement.GetProperty("latestMaterialization").GetProperty("codeVersion").GetString());
            }

            var (summaryOverHttp, summaryOverOrleans) = await BothAsync("asset", "sales_summary", "--json");
            Assert.Equal(summaryOverOrleans.Output, summaryOverHttp.Output);
            using (var summary = JsonDocument.Parse(summaryOverHttp.Output))
            {
                Assert.Equal(
                    ["upstream code version changed: cleaned_sales_data"],
                    summary.RootElement.GetProperty("staleReasons").EnumerateArray().Select(r => r.GetProperty("message").GetString()));
            }

            // The text lists each reason on a line of its own, the same either way.
            var (textOverHttp, textOverOrleans) = await BothAsync("asset", "cleaned_sales_data");
            Assert.Equal(textOverOrleans.Output, textOverHttp.Output);
            Assert.Contains("code version: 2", textOverHttp.Output, StringComparison.Ordinal);
            Assert.Contains("stale: code version changed (1 → 2)", textOverHttp.Output, StringComparison.Ordinal);

            // The listing carries them too.
            var (listOverHttp, listOverOrleans) = await BothAsync("assets", "--json");
            Assert.Equal(listOverOrleans.Output, listOverHttp.Output);
            Assert.Contains("upstream code version changed: cleaned_sales_data", listOverHttp.Output, StringComparison.Ordinal);
        }
        finally
        {
            // Leave the silo as the other tests of the collection expect it: its own code, everything materialized with it.
            await catalog.Publish(original, publisher);
            await Task.Delay(TimeSpan.FromSeconds(1.1));
            await MaterializeAllAsync();
            await host.StopAsync();
        }
    }

    private async Task MaterializeAllAsync()
    {
        using var client = new Client.Http.OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
        var run = await client.MaterializeAsync("*");
        await client.WaitForRunAsync(run.RunId, pollInterval: TimeSpan.FromMilliseconds(50));
    }

    private async Task<(OaResult Http, OaResult Orleans)> BothAsync(params string[] command)
    {
        var results = await Task.WhenAll(fixture.OverHttpAsync(command), fixture.OverOrleansAsync(command));
        output.WriteLine($"--url: {results[0]}");
        output.WriteLine($"--gateway: {results[1]}");
        return (results[0], results[1]);
    }
}
