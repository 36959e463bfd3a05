using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansAssets.Assets;
using OrleansAssets.Runs;
using OrleansAssets.Storage;
using OrleansAssets.Testing;
using static OrleansAssets.Testing.RunStoreTestData;

namespace OrleansAssets.Postgres.Tests;

/// <summary>The write rules every run store keeps (<see cref="RunStoreConformanceTests"/>), on a fresh Postgres database per test.</summary>
public sealed class PostgresRunStoreConformanceTests : RunStoreConformanceTests, IAsyncLifetime
{
    private TestDatabase _database = null!;
    private PostgresDataSource _source = null!;
    private readonly List<PostgresRunStore> _stores = [];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _source = new PostgresDataSource(_database.CreateDataSource());
        await new PostgresMigrator(_source.Source, NullLogger<PostgresMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await _source.DisposeAsync();
        await _database.DisposeAsync();
    }

    protected override Task<IRunStore> StoreAsync()
    {
        var store = new PostgresRunStore(_source, Options.Create(new PostgresStorageOptions()), NullLogger<PostgresRunStore>.Instance);
        _stores.Add(store);
        return Task.FromResult<IRunStore>(store);
    }
}

/// <summary>What only the Postgres store does: shared commits, ordering across silos, retention.</summary>
public sealed class PostgresRunStoreTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private PostgresDataSource _source = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _source = new PostgresDataSource(_database.CreateDataSource());
        await new PostgresMigrator(_source.Source, NullLogger<PostgresMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Two_silos_writing_one_run_number_its_events_in_commit_order_without_gaps()
    {
        await using var silo1 = Store();
        await using var silo2 = Store();
        var run = await CreateRunAsync(silo1);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? silo1 : silo2).AppendAsync(new RunWrite(run)
        {
            Events = [Event(run, RunEventType.Log, $"line {i}")],
        })));

        var all = new List<RunEvent>();
        long cursor = 0;
        while (await silo2.GetEventsAsync(run, cursor, 37) is { Count: > 0 } page)
        {
            all.AddRange(page);
            cursor = page[^1].Sequence;
        }

        Assert.Equal(Enumerable.Range(1, 201).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(200, all.Count(e => e.Type == RunEventType.Log));
        Assert.Equal(200, all.Where(e => e.Type == RunEventType.Log).Select(e => e.Message).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_writes_share_commits()
    {
        await using var store = Store();
        var run = await CreateRunAsync(store);
        var (commitsBefore, writesBefore) = store.Counters;

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.AppendAsync(new RunWrite(run) { Events = [Event(run, RunEventType.Log, $"{i}")] })));

        var (commits, writes) = store.Counters;
        Assert.Equal(500, writes - writesBefore);
        Assert.True(commits - commitsBefore < 500, $"{commits - commitsBefore} commits for 500 concurrent writes");
    }

    [Fact]
    public async Task Writes_nobody_awaits_join_the_next_durable_commit()
    {
        await using var store = Store();
        var run = await CreateRunAsync(store);
        var (commitsBefore, _) = store.Counters;

        var started = store.AppendSoon(new RunWrite(run)
        {
            Step = new StepWrite("orders", StepTransition.Started, 1) { Timestamp = DateTimeOffset.UtcNow, Silo = "silo-a" },
            Events = [Event(run, RunEventType.StepStarted, null, "orders")],
        });
        await store.AppendAsync(SuccessWrite(Materialization(run, "orders"), attempt: 1));
        await started;

        Assert.Equal(1, store.Counters.Commits - commitsBefore);
        Assert.Equal(
            [RunEventType.RunQueued, RunEventType.StepStarted, RunEventType.Materialization, RunEventType.StepSucceeded],
            (await store.GetEventsAsync(run, 0, 100)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_write_nobody_awaits_lands_on_its_own_soon()
    {
        await using var store = Store();
        var run = await CreateRunAsync(store);

        _ = store.AppendSoon(new RunWrite(run) { Events = [Event(run, RunEventType.Log, "alone")] });

        for (var i = 0; i < 100 && (await store.GetEventsAsync(run, 0, 100)).Count < 2; i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(await store.GetEventsAsync(run, 0, 100), e => e.Message == "alone");
    }

    [Fact]
    public async Task Retention_deletes_only_the_events_of_runs_that_ended_before_the_cutoff()
    {
        await using var store = Store();
        var old = await CreateRunAsync(store, RunStatus.Success, DateTimeOffset.UtcNow.AddDays(-40));
        var recent = await CreateRunAsync(store, RunStatus.Success, DateTimeOffset.UtcNow);
        await store.AppendAsync(SuccessWrite(Materialization(old, "orders"), attempt: 1));

        var deleted = await store.DeleteEventsOfRunsEndedBeforeAsync(DateTimeOffset.UtcNow.AddDays(-30));

        Assert.True(deleted >= 2);
        Assert.Empty(await store.GetEventsAsync(old, 0, 100));
        Assert.NotEmpty(await store.GetEventsAsync(recent, 0, 100));
        Assert.NotNull(await store.FindMaterializationAsync(old, "orders"));
        Assert.NotNull(await store.GetRunAsync(old));
    }

    private PostgresRunStore Store() => new(_source, Options.Create(new PostgresStorageOptions()), NullLogger<PostgresRunStore>.Instance);
}
