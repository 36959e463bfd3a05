using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansAssets.Postgres.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Three_silos_migrating_at_once_apply_each_migration_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var source = database.CreateDataSource();

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => new PostgresMigrator(source, NullLogger<PostgresMigrator>.Instance).MigrateAsync())));

        var all = PostgresMigrator.Migrations.Select(m => m.Version).ToList();
        Assert.Single(results, r => r.Count > 0);
        Assert.Equal(all, results.Single(r => r.Count > 0));
        Assert.Equal(2, results.Count(r => r.Count == 0));
        Assert.Equal(all.Count, await database.ScalarAsync<int>("select count(*) from oa_schema_migrations"));
    }

    [Fact]
    public async Task Migrating_an_up_to_date_schema_changes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var source = database.CreateDataSource();
        var migrator = new PostgresMigrator(source, NullLogger<PostgresMigrator>.Instance);
        await migrator.MigrateAsync();
        var queries = await database.ScalarAsync<int>("select count(*) from orleansquery");

        Assert.Empty(await migrator.MigrateAsync());
        Assert.Equal(queries, await database.ScalarAsync<int>("select count(*) from orleansquery"));
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_stops_the_silo_by_name()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var source = database.CreateDataSource();
        var migrator = new PostgresMigrator(source, NullLogger<PostgresMigrator>.Instance);
        await migrator.MigrateAsync();
        await database.ExecuteAsync("update oa_schema_migrations set checksum = 'edited' where version = 2");

        var error = await Assert.ThrowsAsync<OrleansAssetsException>(() => migrator.MigrateAsync());

        Assert.Contains("migration 2 (runs_and_events)", error.Message);
    }

    [Fact]
    public async Task The_schema_has_every_query_the_orleans_providers_require()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var source = database.CreateDataSource();
        await new PostgresMigrator(source, NullLogger<PostgresMigrator>.Instance).MigrateAsync();

        string[] required =
        [
            "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey", "UpdateMembershipKey",
            "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowKey", "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        foreach (var key in required)
        {
            Assert.Equal(1, await database.ScalarAsync<int>($"select count(*) from orleansquery where querykey = '{key}'"));
        }
    }
}
