using System.Text.Json;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>A dev silo that loads the WarehouseFactory example instead of the sales pipeline.</summary>
public sealed class WarehouseDevSiloFixture : IAsyncLifetime
{
    public DevSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await DevSilo.StartAsync(new Dictionary<string, string>
    {
        ["OrleansAssets__CodeLocations__0__Assembly"] = Cluster.ClusterFixture.CodeLocationAssembly("WarehouseFactory"),
    });

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>
/// Multi-part keys made by a factory, through the surfaces a user has: <c>oa assets --select</c>, <c>oa asset</c> and
/// <c>oa materialize</c> over HTTP and over Orleans, and the REST route of one asset with its key's '/' as is.
/// </summary>
public sealed class WarehouseCliTests(WarehouseDevSiloFixture fixture, ITestOutputHelper output) : IClassFixture<WarehouseDevSiloFixture>
{
    [Theory]
    [InlineData("key:\"core/*\"", "core/marts/order_summary core/models/customer_orders core/models/customers core/models/order_items core/models/orders")]
    [InlineData("key:\"core/models/*\" and tag:layer=staging", "core/models/customers core/models/order_items core/models/orders")]
    [InlineData("+core/models/customer_orders", "core/models/customer_orders core/models/customers core/models/orders")]
    [InlineData("group:marts", "core/marts/order_summary")]
    [InlineData("owner:ana@example.com", "core/models/customer_orders")]
    public async Task Assets_select_lists_multi_part_keys_over_orleans_and_over_http(string selection, string expected)
    {
        var (http, orleans) = await BothAsync("assets", "--select", selection, "--json");

        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(0, result.ExitCode);
            using var json = JsonDocument.Parse(result.Output);
            var keys = json.RootElement.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("key").GetString()).Order(StringComparer.Ordinal);
            Assert.Equal(expected.Split(' '), keys);
        }
    }

    [Fact]
    public async Task One_asset_with_a_multi_part_key_shows_by_its_key_over_the_cli_and_the_rest_route()
    {
        var (http, orleans) = await BothAsync("asset", "core/models/order_items", "--json");
        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(0, result.ExitCode);
            using var json = JsonDocument.Parse(result.Output);
            Assert.Equal("core/models/order_items", json.RootElement.GetProperty("key").GetString());
            Assert.Equal("warehouse", json.RootElement.GetProperty("group").GetString());
            Assert.Equal(["core/models/orders"], json.RootElement.GetProperty("dependencies").EnumerateArray().Select(d => d.GetString()));
        }

        using var client = new HttpClient();
        foreach (var path in new[] { "core/models/order_items", "core%2Fmodels%2Forder_items" })
        {
            using var response = await client.GetAsync(new Uri($"{fixture.Silo.Url}/api/v1/assets/{path}"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("core/models/order_items", json.RootElement.GetProperty("key").GetString());
        }
    }

    [Fact]
    public async Task Materialize_runs_a_selection_of_multi_part_keys()
    {
        var result = await Oa.RunAsync(["--url", fixture.Silo.Url, "materialize", "--select", "+core/models/customer_orders", "--wait"]);
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        var asset = await Oa.RunAsync(["--url", fixture.Silo.Url, "asset", "core/models/customer_orders"]);
        output.WriteLine(asset.ToString());
        Assert.Contains("row_count", asset.Output, StringComparison.Ordinal);
        Assert.Contains("28", asset.Output, StringComparison.Ordinal);
    }

    private async Task<(OaResult Http, OaResult Orleans)> BothAsync(params string[] command)
    {
        var results = await Task.WhenAll(
            Oa.RunAsync(["--url", fixture.Silo.Url, .. command]),
            Oa.RunAsync(["--gateway", fixture.Silo.Gateway, .. command]));
        output.WriteLine($"--url: {results[0]}");
        output.WriteLine($"--gateway: {results[1]}");
        return (results[0], results[1]);
    }
}
