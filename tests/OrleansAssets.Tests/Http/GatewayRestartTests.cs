using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;
using OrleansAssets.Gateway.Hosting;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// The gateway restarts while <c>oa --url ... materialize --wait</c> follows a run (as a standalone gateway process
/// does in a deploy): the silo and the run go on, the wait says it is waiting, finds the new gateway on the same
/// URL, and exits with the run's outcome, each event printed once.
/// </summary>
[Collection(OutageCollection.Name)]
public sealed class GatewayRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClusterId = "orleansassets-gateway-restart";
    private readonly string _storage = Directory.CreateTempSubdirectory("oa-gateway-restart-").FullName;
    private readonly int _port = Ports.Free();
    private TcpSilo _silo = null!;
    private WebApplication? _gateway;

    private string Url => $"http://127.0.0.1:{_port}";

    public async Task InitializeAsync()
    {
        OutageAssets.Close();
        _silo = await TcpSilo.StartAsync(ClusterId, _storage, Ports.Free());
        _gateway = await StartGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        OutageAssets.Open();
        await StopGatewayAsync();
        await _silo.DisposeAsync();
        Directory.Delete(_storage, recursive: true);
    }

    [Fact]
    public async Task Oa_materialize_wait_over_http_rides_out_a_gateway_restart()
    {
        var oa = Oa.Start(null, "--url", Url, "materialize", "--select", "outlasting", "--wait", "--json");

        // Progress goes to stderr with --json: once the step started, the run is submitted and followed.
        await Until(() => oa.Error.Contains("outlasting started", StringComparison.Ordinal), "the step to start");
        var away = Stopwatch.StartNew();
        await StopGatewayAsync();
        await Until(() => oa.Error.Contains("waiting: ", StringComparison.Ordinal), "oa to notice the gateway is away");
        OutageAssets.Open();
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        _gateway = await StartGatewayAsync();
        output.WriteLine($"gateway away for {away.Elapsed.TotalSeconds:F2} s");
        var result = await oa.WaitForExitAsync();
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"waiting: no gateway answers at {Url} (connection refused (nothing listens there)); retrying in ", result.Error, StringComparison.Ordinal);
        Assert.Contains("waiting: reached the run again after ", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(result.Error, "outlasting started (attempt 1 on "));
        Assert.Equal(1, CountOf(result.Error, "outlasting materialized"));
        Assert.Equal(1, CountOf(result.Error, "run succeeded"));
        using var run = JsonDocument.Parse(result.Output);
        Assert.Equal("success", run.RootElement.GetProperty("status").GetString());
        var sequences = run.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Oa.AssertOurWords(result);
    }

    /// <summary>A gateway of its own, as the gateway process of a cluster is: an Orleans client of the silo, serving the API.</summary>
    private async Task<WebApplication> StartGatewayAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Url);
        builder.AddOrleansAssetsClient(o =>
        {
            o.Gateways = [_silo.Gateway];
            o.ClusterId = ClusterId;
        });
        builder.Services.AddOrleansAssetsGateway(builder.Configuration);
        var app = builder.Build();
        app.MapOrleansAssets();
        await app.StartAsync();
        return app;
    }

    private async Task StopGatewayAsync()
    {
        if (_gateway is { } gateway)
        {
            _gateway = null;
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await gateway.StopAsync(bounded.Token);
            await gateway.DisposeAsync();
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Waited 30 s for {what}");
            }

            await Task.Delay(20);
        }
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
