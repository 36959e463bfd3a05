using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansAssets.Assets;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;

namespace OrleansAssets.Postgres.Tests;

public sealed class PostgresClusterTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    [Fact]
    public async Task Grain_state_round_trips_and_a_stale_etag_is_rejected()
    {
        var storage = fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(OrleansAssetsStorage.GrainStorageName);
        // Not hex: a key that parses as hex is stored as an integer key (see the ADO.NET contract).
        var grainId = GrainId.Create("oa.test", $"probe-{Guid.NewGuid():N}");
        var written = new GrainState<AssetGrainState> { State = new AssetGrainState { LastFailure = Failure("first") } };

        await storage.WriteStateAsync("asset", grainId, written);
        var read = new GrainState<AssetGrainState>();
        await storage.ReadStateAsync("asset", grainId, read);

        Assert.True(read.RecordExists);
        Assert.Equal("1", read.ETag);
        Assert.Equal("first", read.State!.LastFailure!.Error.Message);

        // Someone else writes in between: the copy read before is stale.
        await fixture.Database.ExecuteAsync($"update oa_grain_state set version = version + 1 where grain_type = 'asset' and grain_id_extension = '{grainId.Key}'");
        read.State!.LastFailure = Failure("second");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("asset", grainId, read));

        var again = new GrainState<AssetGrainState>();
        await storage.ReadStateAsync("asset", grainId, again);
        again.State!.LastFailure = Failure("third");
        await storage.WriteStateAsync("asset", grainId, again);
        Assert.Equal("3", again.ETag);
    }

    [Fact]
    public async Task The_pipeline_runs_on_postgres_and_keeps_state_as_json_without_type_names()
    {
        var run = await fixture.MaterializeAsync("*");

        Assert.Equal(RunStatus.Success, run.Run.Status);
        var summary = (await fixture.Client.GetAssetAsync("sales_summary")).State.Latest!;
        Assert.Equal(26000, summary.Metadata["top_product_amount"].IntValue);
        Assert.Equal(["product_count", "top_product", "top_product_amount", "output_path", "summary_table"], summary.Metadata.Keys);
        var assetState = await fixture.Database.ScalarAsync<string>("select state::text from oa_asset_activity where asset_key = 'sales_summary'");
        Assert.Contains("\"top_product_amount\"", assetState);
        var catalog = await fixture.Database.ScalarAsync<string>("select convert_from(payload, 'UTF8') from oa_grain_state where grain_type = 'catalog'");
        Assert.Contains("\"sales_summary\"", catalog);
        Assert.DoesNotContain("$type", catalog);
        Assert.Equal(3, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id = '{run.Run.RunId}'"));
    }

    [Fact]
    public async Task An_asset_whose_stored_state_moved_on_elsewhere_recovers_and_records_the_run_once_without_running_again()
    {
        await fixture.MaterializeAsync("raw_sales_data");
        await fixture.Database.ExecuteAsync("update oa_asset_activity set state_version = state_version + 1 where asset_key = 'raw_sales_data'");

        var run = await fixture.MaterializeAsync("raw_sales_data");

        Assert.True(run.Run.Status == RunStatus.Success, string.Join("\n", run.Events.Select(e => $"{e.Type} {e.Attempt} {e.Message}")));
        Assert.Single(run.Events, e => e.Type == RunEventType.Materialization);
        // The outcome is handed to a fresh activation, which records it on the state it reads: no second attempt.
        Assert.Single(run.Events, e => e.Type == RunEventType.StepStarted);
        Assert.DoesNotContain(run.Events, e => e.Type == RunEventType.StepFailed);
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_materializations where run_id = '{run.Run.RunId}'"));
        Assert.Equal(run.Run.RunId, (await fixture.Client.GetAssetAsync("raw_sales_data")).State.Latest!.RunId);
    }

    [Fact]
    public async Task Asset_listings_come_from_the_tables_and_history_pages_by_time()
    {
        var first = await fixture.MaterializeAsync("raw_sales_data");
        var second = await fixture.MaterializeAsync("raw_sales_data");

        var history = await fixture.Client.ListMaterializationsAsync("raw_sales_data", limit: 1);
        var older = await fixture.Client.ListMaterializationsAsync("raw_sales_data", before: history[0].Timestamp, limit: 100);

        Assert.Equal(second.Run.RunId, history.Single().RunId);
        Assert.Contains(older, m => m.RunId == first.Run.RunId);
        var listed = (await fixture.Client.ListAssetsAsync()).Single(a => a.Key == "raw_sales_data");
        Assert.Equal(second.Run.RunId, listed.LastRunId);
    }

    private static FailureRecord Failure(string message) =>
        new() { RunId = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow, Error = new StepError { Type = "Test", Message = message } };
}

/// <summary>Destructive tests get a cluster of their own.</summary>
public sealed class PostgresFailoverTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    [Fact]
    public async Task A_reminder_keeps_firing_after_the_silo_that_registered_it_dies()
    {
        var key = Guid.NewGuid().ToString("N");
        await fixture.Cluster.Client.GetGrain<IReminderProbeGrain>(key).Start(TimeSpan.FromSeconds(1));
        var firstTick = await WaitForTickAsync(key, _ => true);
        var registeredOn = fixture.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(firstTick.Silo));
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_reminders where grain_id like '%{key}%'"));

        await fixture.Cluster.KillSiloAsync(registeredOn);
        var killedAt = DateTime.UtcNow;
        var afterDeath = await WaitForTickAsync(key, t => t.At > killedAt && !t.Silo.Equals(firstTick.Silo));

        Assert.NotEqual(firstTick.Silo, afterDeath.Silo);
        await fixture.Cluster.Client.GetGrain<IReminderProbeGrain>(key).Stop();
        Assert.Equal(0, await fixture.Database.ScalarAsync<int>($"select count(*) from oa_reminders where grain_id like '%{key}%'"));
    }

    [Fact]
    public async Task State_survives_restarting_every_silo()
    {
        var run = await fixture.MaterializeAsync("*");
        await fixture.Cluster.StopAllSilosAsync();
        await fixture.Cluster.DisposeAsync();

        var restarted = await fixture.StartClusterAsync(1);
        var client = new Client.OrleansAssetsClient(restarted.Client);

        var summary = await client.GetAssetAsync("sales_summary");
        Assert.Equal(run.Run.RunId, summary.State.Latest!.RunId);
        Assert.Equal("B", summary.State.Latest.Metadata["top_product"].Text);
        Assert.Equal(RunStatus.Success, (await client.GetRunAsync(run.Run.RunId)).Run.Status);
        Assert.Contains(await client.ListAssetsAsync(), a => a.Key == "sales_summary" && a.Status == AssetStatus.Materialized);
        await restarted.DisposeAsync();
    }

    private static async Task<(string Grain, SiloAddress Silo, DateTime At)> WaitForTickAsync(string key, Func<(string Grain, SiloAddress Silo, DateTime At), bool> match)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(100))
        {
            var tick = ReminderProbeGrain.Ticks.Where(t => t.Grain == key && match(t)).Cast<(string, SiloAddress, DateTime)?>().FirstOrDefault();
            if (tick is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No matching reminder tick for {key} within 60 s.");
    }
}
