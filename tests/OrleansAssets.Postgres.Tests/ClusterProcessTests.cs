using System.Diagnostics;
using System.Text.Json;
using OrleansAssets.Cluster;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>A scripts/cluster cluster for tests that leave it as they found it.</summary>
public sealed class ProcessClusterFixture : IAsyncLifetime
{
    public ProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ProcessCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class ClusterProcessTests(ProcessClusterFixture fixture) : IClassFixture<ProcessClusterFixture>
{
    [Fact]
    public async Task Silos_loading_two_code_locations_form_one_membership_that_oa_finds_through_its_context()
    {
        var silos = await (await fixture.Cluster.ClientAsync()).ListSilosAsync();
        var (exit, output, error) = await fixture.Cluster.OaAsync("silos", "--json");

        var active = silos.Where(s => s.Status == SiloState.Active).ToList();
        Assert.Equal(3, active.Count);
        Assert.Equal(["analytics", "sales", "sales"], active.SelectMany(s => s.CodeLocations).Order());
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active"));
    }

    [Fact]
    public async Task Steps_run_only_where_their_code_location_is_loaded_and_a_dependency_crosses_locations()
    {
        var client = await fixture.Cluster.ClientAsync();
        var silos = (await client.ListSilosAsync()).Where(s => s.Status == SiloState.Active).ToList();

        var run = await fixture.Cluster.WaitAsync((await client.MaterializeAsync("*")).RunId, TimeSpan.FromMinutes(2));

        Assert.Equal(RunStatus.Success, run.Run.Status);
        foreach (var step in run.Events.Where(e => e.Type == RunEventType.StepSucceeded))
        {
            var address = step.Message!.Split(' ')[1].Split('@')[0];
            var location = (await client.GetAssetAsync(step.AssetKey!)).Spec.CodeLocation;
            Assert.Contains(silos, s => s.Address == address && s.CodeLocations.Contains(location));
        }

        var share = (await client.GetAssetAsync("product_revenue_share")).State.Latest!;
        Assert.Equal(run.Run.RunId, share.ConsumedUpstream["sales_summary"]);
        Assert.Equal(0.6582, share.Metadata["top_share"].FloatValue);
    }

    [Fact]
    public async Task The_cluster_s_gateway_process_serves_the_api_its_stream_and_the_silo_dashboard()
    {
        using var http = new HttpClient { BaseAddress = fixture.Cluster.GatewayUrl };

        using var ready = await http.GetAsync("/health/ready");
        using var silos = JsonDocument.Parse(await http.GetStringAsync("/api/v1/silos"));
        using var submitted = await http.PostAsync("/api/v1/runs", new StringContent("{\"selection\": \"raw_sales_data\"}", System.Text.Encoding.UTF8, "application/json"));
        using var run = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync());
        var finished = await fixture.Cluster.WaitAsync(run.RootElement.GetProperty("runId").GetGuid(), TimeSpan.FromMinutes(1));
        using var dashboard = await http.GetAsync("/orleans/");

        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(3, silos.RootElement.GetProperty("items").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(RunStatus.Success, finished.Run.Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, dashboard.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_stops_a_silo_with_one_clear_line()
    {
        var root = Path.GetFullPath(Path.Combine(fixture.Cluster.ClusterDirectory, ".."));
        var silo = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "silo", "bin"), "OrleansAssets.Silo.dll", SearchOption.AllDirectories).First();
        var start = new ProcessStartInfo("dotnet", [silo]) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = root };
        start.Environment["ConnectionStrings__Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(fixture.Cluster.Database.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        start.Environment["OrleansAssets__Cluster__SiloPort"] = "19998";
        start.Environment["OrleansAssets__Cluster__GatewayPort"] = "19999";

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await error).Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Contains("password authentication failed", Assert.Single(lines));
    }
}
