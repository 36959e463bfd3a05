using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Queries;
using OrleansAssets.Runs;
using OrleansAssets.Tests.Cli;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// The SDK's two clients over one dev-mode silo: <see cref="OrleansAssetsHttpClient"/> through its gateway and
/// <see cref="OrleansAssetsClient"/> through its Orleans gateway answer every operation alike, with the same errors.
/// </summary>
[Collection(DevSiloCollection.Name)]
public sealed class HttpClientTests(DevSiloFixture fixture) : IAsyncLifetime
{
    private IHost _orleansHost = null!;
    private IOrleansAssetsClient _orleans = null!;
    private OrleansAssetsHttpClient _http = null!;

    public async Task InitializeAsync()
    {
        (_orleansHost, var orleans) = await TcpSilo.ConnectAsync(fixture.Silo.Gateway, "default");
        _orleans = orleans;
        _http = new OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _orleansHost.StopAsync();
        _orleansHost.Dispose();
    }

    [Fact]
    public async Task Both_clients_answer_every_read_alike()
    {
        var first = await _http.MaterializeAsync("*", new Dictionary<string, string> { ["owner"] = "sdk-test" });
        var done = await _http.WaitForRunAsync(first.RunId, pollInterval: TimeSpan.FromMilliseconds(50));
        var second = await _http.MaterializeAsync("sales_summary");
        await _http.WaitForRunAsync(second.RunId, pollInterval: TimeSpan.FromMilliseconds(50));
        Assert.Equal(RunStatus.Success, done.Run.Status);
        var middle = done.Events[done.Events.Count / 2].Sequence;

        var reads = new (string Name, Func<IOrleansAssetsClient, Task<object>> Read)[]
        {
            ("assets", async c => await c.ListAssetsAsync()),
            ("find", async c => await c.FindAssetsAsync(new AssetQuery { Selection = "*", Offset = 1, Limit = 1 })),
            ("find by group and status", async c => await c.FindAssetsAsync(new AssetQuery { Group = "sales", Status = Assets.AssetStatus.Materialized })),
            ("lineage", async c => await c.GetLineageAsync()),
            ("lineage of a selection", async c => await c.GetLineageAsync("+sales_summary")),
            ("asset", async c => await c.GetAssetAsync("sales_summary")),
            ("materializations", async c => await c.ListMaterializationsAsync("sales_summary")),
            ("materializations before", async c => await c.ListMaterializationsAsync("sales_summary", (await c.ListMaterializationsAsync("sales_summary", limit: 1))[0].Timestamp, 5)),
            ("run", async c => await c.GetRunAsync(first.RunId)),
            ("run after a sequence", async c => await c.GetRunAsync(first.RunId, middle, 3)),
            ("run with no events", async c => await c.GetRunAsync(first.RunId, 0, 0)),
            ("runs", async c => await c.ListRunsAsync()),
            ("runs by tag and asset", async c => await c.ListRunsAsync(new RunQuery { Tags = new() { ["owner"] = "sdk-test" }, AssetKey = "raw_sales_data", Statuses = [RunStatus.Success] })),
            ("runs before a run", async c => await c.ListRunsAsync(new RunQuery { CreatedBefore = second.CreatedAt, Before = second.RunId, Limit = 1 })),
            ("silos", async c => await c.ListSilosAsync()),
            ("code locations", async c => await c.ListCodeLocationsAsync()),
        };

        foreach (var (name, read) in reads)
        {
            var overOrleans = JsonSerializer.Serialize(await read(_orleans), OrleansAssetsJson.Indented);
            var overHttp = JsonSerializer.Serialize(await read(_http), OrleansAssetsJson.Indented);
            Assert.True(overOrleans == overHttp, $"{name} differs:\nOrleans: {overOrleans}\nHTTP: {overHttp}");
        }

        // The paging positions mean the same: the next page of assets starts where the first ended.
        var page = await _http.FindAssetsAsync(new AssetQuery { Limit = 2 });
        Assert.Equal(2, page.NextOffset);
        Assert.Equal(["sales_summary"], (await _http.FindAssetsAsync(new AssetQuery { Offset = page.NextOffset!.Value })).Items.Select(a => a.Key));
    }

    [Fact]
    public async Task Waiting_over_http_reports_each_event_once_in_order()
    {
        var run = await _http.MaterializeAsync("*");
        var reported = new List<RunEvent>();

        var finished = await _http.WaitForRunAsync(run.RunId, new Synchronous<RunEvent>(reported.Add), RunWatchOptions.Default with { PollInterval = TimeSpan.FromMilliseconds(20) });

        Assert.Equal(RunStatus.Success, finished.Run.Status);
        Assert.Equal(reported.Select(e => e.Sequence), finished.Events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, reported.Count).Select(i => (long)i), reported.Select(e => e.Sequence));
        Assert.Equal(3, reported.Count(e => e.Type == RunEventType.Materialization));
        var overOrleans = await _orleans.GetRunAsync(run.RunId);
        Assert.Equal(JsonSerializer.Serialize(overOrleans.Events, OrleansAssetsJson.Options), JsonSerializer.Serialize(finished.Events, OrleansAssetsJson.Options));
    }

    [Fact]
    public async Task Both_clients_skip_unknown_keys_alike_when_asked_and_refuse_a_run_of_nothing()
    {
        var query = new AssetQuery { Selection = "sales_summary,sales_sumary_x or group:nope", SkipUnknownKeys = true };

        var overOrleans = await _orleans.FindAssetsAsync(query);
        var overHttp = await _http.FindAssetsAsync(query);

        Assert.Equal(["sales_summary"], overOrleans.Items.Select(a => a.Key));
        Assert.Equal(["sales_summary"], overHttp.Items.Select(a => a.Key));
        Assert.Equal(["unknown asset key 'sales_sumary_x' (did you mean 'sales_summary'?)"], overOrleans.Warnings);
        Assert.Equal(overOrleans.Warnings, overHttp.Warnings);
        var nothing = await Assert.ThrowsAsync<AssetSelectionException>(() => _http.MaterializeAsync("group:nope"));
        Assert.Contains("selects no assets", nothing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_come_back_as_the_SDKs_exceptions_with_the_clusters_words()
    {
        async Task SameAsync<T>(Func<IOrleansAssetsClient, Task> call) where T : Exception
        {
            var overOrleans = await Assert.ThrowsAsync<T>(() => call(_orleans));
            var overHttp = await Assert.ThrowsAsync<T>(() => call(_http));
            Assert.Equal(overOrleans.Message, overHttp.Message);
            Assert.Null(ClusterErrors.Classify(overHttp));
        }

        await SameAsync<AssetSelectionException>(c => c.MaterializeAsync("no_such_asset+"));
        // A group that matches nothing selects nothing (as in Dagster); an unknown bare key fails unless the query skips it.
        await SameAsync<AssetSelectionException>(c => c.FindAssetsAsync(new AssetQuery { Selection = "no_such_asset" }));
        await SameAsync<AssetSelectionException>(c => c.FindAssetsAsync(new AssetQuery { Selection = "a,", SkipUnknownKeys = true }));
        await SameAsync<AssetSelectionException>(c => c.GetLineageAsync("%%"));
        await SameAsync<NotFoundException>(c => c.GetAssetAsync("no_such_asset"));
        await SameAsync<NotFoundException>(c => c.ListMaterializationsAsync("no_such_asset"));
        var unknown = Guid.NewGuid();
        await SameAsync<NotFoundException>(c => c.GetRunAsync(unknown));
        await Assert.ThrowsAsync<NotFoundException>(() => _http.WatchRunAsync(Guid.NewGuid()).GetAsyncEnumerator().MoveNextAsync().AsTask());
    }

    [Fact]
    public async Task No_gateway_at_the_url_is_an_outage_said_at_once()
    {
        using var nowhere = new OrleansAssetsHttpClient(new Uri($"http://127.0.0.1:{Ports.Free()}"));
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<GatewayUnreachableException>(() => nowhere.ListAssetsAsync());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(failure.MayHaveArrived);
        Assert.Contains("connection refused (nothing listens there)", failure.Message, StringComparison.Ordinal);
        Assert.Equal(OutageKind.Cluster, ClusterErrors.Classify(failure)?.Kind);
    }

    [Fact]
    public async Task What_answers_but_is_no_gateway_is_said_as_such()
    {
        // The silo's Orleans gateway port speaks Orleans, not HTTP.
        using var orleansPort = new OrleansAssetsHttpClient(new Uri($"http://{fixture.Silo.Gateway}"));
        var failure = await Assert.ThrowsAsync<GatewayUnreachableException>(() => orleansPort.ListSilosAsync());
        Assert.Contains("does not answer HTTP", failure.Message, StringComparison.Ordinal);

        // A route the gateway does not have (a URL with the wrong path base) answers 404 without a problem of ours.
        using var wrongBase = new OrleansAssetsHttpClient(new Uri($"{fixture.Silo.Url}/not-here"));
        var notFound = await Assert.ThrowsAsync<GatewayUnreachableException>(() => wrongBase.ListAssetsAsync());
        Assert.Contains("GET /not-here/api/v1/assets answered 404", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typed_client_of_IHttpClientFactory_is_the_same_client()
    {
        var services = new ServiceCollection();
        services.AddOrleansAssetsHttpClient(o => o.BaseAddress = new Uri(fixture.Silo.Url));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IOrleansAssetsClient>();

        Assert.IsType<OrleansAssetsHttpClient>(client);
        Assert.Equal(["sales"], (await client.ListCodeLocationsAsync()).Select(l => l.Name));
        Assert.Equal(new Uri(fixture.Silo.Url + "/"), provider.GetRequiredService<OrleansAssetsHttpClient>().BaseAddress);
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_when_the_client_is_made_and_the_token_is_not_echoed()
    {
        var noUrl = Assert.Throws<ArgumentException>(() => new OrleansAssetsHttpClient(new HttpClient()));
        Assert.Contains("Name the gateway", noUrl.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new OrleansAssetsHttpClient(new Uri("ftp://example.com")));
        var badToken = Assert.Throws<ArgumentException>(() => new OrleansAssetsHttpClient(new Uri("http://localhost:3000"), "secret\r\nX-Injected: 1"));
        Assert.DoesNotContain("secret", badToken.Message, StringComparison.Ordinal);
        Assert.Equal("token", badToken.ParamName);
    }

    private sealed class Synchronous<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
