using Microsoft.Extensions.DependencyInjection;
using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Tests.Cluster;

/// <summary>A run whose owner is gone and whose plan no longer resolves ends, saying why, instead of staying started.</summary>
public sealed class RunMonitoringTests(RetryClusterFixture fixture) : IClassFixture<RetryClusterFixture>
{
    private IRunStore Store => fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredService<IRunStore>();

    /// <summary>A run left started by an owner that is gone, as the storage would hold it after a crash.</summary>
    private async Task<Guid> OrphanedRunAsync(List<string> assetKeys, string? config = null)
    {
        var runId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await Store.AppendAsync(new RunWrite(runId)
        {
            Run = new RunRecord { RunId = runId, Status = RunStatus.Started, Selection = string.Join(",", assetKeys), AssetKeys = assetKeys, CreatedAt = now, StartedAt = now, Config = config },
            Events = [new RunEvent { RunId = runId, Timestamp = now, Type = RunEventType.RunStarted }],
        });
        return runId;
    }

    [Fact]
    public async Task A_resumed_run_whose_asset_no_code_location_defines_ends_failure_naming_it()
    {
        var runId = await OrphanedRunAsync(["flaky", "removed_with_its_location"]);

        await fixture.Cluster.Client.GetGrain<IRunGrain>(runId).Resume();
        var details = await fixture.WaitAsync(runId);

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        Assert.Contains("1 step(s) no code location defines any more (was their code location removed or changed?): removed_with_its_location", details.Run.Error);
        Assert.Contains(details.Events, e => e.Type == RunEventType.RunFailure && e.Message!.Contains("removed_with_its_location"));
        Assert.Contains(details.Events, e => e.Type == RunEventType.StepSkipped && e.AssetKey == "removed_with_its_location" && e.Message == "no code location defines this asset any more");
        Assert.Equal(StepStatus.Success, details.Steps.Single(s => s.AssetKey == "flaky").Status);
    }

    [Fact]
    public async Task A_resumed_run_whose_config_no_longer_fits_its_steps_ends_failure_saying_so()
    {
        var runId = await OrphanedRunAsync(["flaky"], config: "{\"flaky\": {\"no_such_field\": 1}}");

        await fixture.Cluster.Client.GetGrain<IRunGrain>(runId).Resume();
        var details = await fixture.WaitAsync(runId);

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        Assert.StartsWith("the run cannot go on: its run config no longer fits its steps' code", details.Run.Error);
        Assert.Single(details.Events, e => e.Type == RunEventType.RunFailure);
    }

    [Fact]
    public async Task A_run_of_a_code_location_no_silo_loads_any_more_ends_failure_naming_the_location()
    {
        // A location published by a silo that is gone for good: its assets stay in the catalog, no silo runs them.
        var catalog = fixture.Cluster.Client.GetGrain<IAssetCatalogGrain>(0);
        await catalog.Publish(
            new CodeLocationManifest { Name = "retired", Assembly = "Retired.dll", Version = "1.0.0", Assets = [new AssetSpec { Key = "retired_report", CodeLocation = "retired", Group = "retired" }] },
            "S127.0.0.9:11111:1");
        for (var waited = 0; (await fixture.Client.ListAssetsAsync()).All(a => a.Key != "retired_report") && waited < 50; waited++)
        {
            await Task.Delay(100);
        }

        var details = await fixture.MaterializeAsync("retired_report");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        Assert.Contains("retired_report (No live silo loads code location 'retired'.", details.Run.Error);
        var failed = Assert.Single(details.Events, e => e.Type == RunEventType.StepFailed);
        Assert.Contains("No live silo loads code location 'retired'. Gave up after 00:00:01.", failed.Message);
        Assert.Contains(details.Events, e => e.Type == RunEventType.RunFailure && e.Message!.Contains("code location 'retired'"));
    }
}
