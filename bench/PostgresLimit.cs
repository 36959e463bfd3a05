using System.Diagnostics;
using Npgsql;

namespace OrleansAssets.Bench;

/// <summary>A fresh database on the bench's Postgres server for one part of the run, dropped afterwards.</summary>
public sealed class FreshDatabase : IAsyncDisposable
{
    private readonly string _server;

    private FreshDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<FreshDatabase> CreateAsync(string server, string purpose)
    {
        var name = $"oa_bench_{purpose}_{Guid.NewGuid():N}"[..30];
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new FreshDatabase(server, name);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Transactions committed in this database so far (pg_stat_database, as the issue counts them). Backends report
    /// their counts lazily (at most once a second, or when they exit), so the pools are emptied and the report waited for;
    /// another process's idle connections report within 10 s, which <paramref name="settle"/> may wait out.
    /// </summary>
    public async Task<long> CommitsAsync(TimeSpan? settle = null)
    {
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(settle ?? TimeSpan.FromSeconds(1.2));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("select xact_commit from pg_stat_database where datname = current_database()", connection);
                return (long)(await command.ExecuteScalarAsync())!;
            }
            catch (PostgresException e) when (e.SqlState == "53300" && attempt < 20)
            {
                // The server is shared and was full for a moment (no connection slots): the counter keeps, so ask again.
                await Task.Delay(500);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", connection);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState is "42501" or "55006" && attempt < 50)
            {
                await Task.Delay(200);
            }
        }
    }
}

/// <summary>
/// The limit: the same number of state writes as raw Npgsql upserts, one row per commit on 1 and on 4 connections,
/// and 100 rows per commit with NpgsqlBatch. The row is shaped like an asset's state: a key, a small JSON value, a time.
/// </summary>
public sealed class PostgresLimit(Sizes sizes, Report report, string server)
{
    private const string Upsert = "insert into bench_state (key, value, updated_at) values ($1, $2::jsonb, now()) on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at";

    public Dictionary<string, double> RowsPerSecond { get; } = [];

    public async Task RunAsync()
    {
        await using var database = await FreshDatabase.CreateAsync(server, "limit");
        await database.ExecuteAsync("create table bench_state (key text primary key, value jsonb not null, updated_at timestamptz not null)");
        report.Settings["limit.table"] = "bench_state(key text primary key, value jsonb, updated_at timestamptz), truncated before each repetition; upsert `insert ... on conflict (key) do update`; server settings as found (fsync, synchronous_commit untouched)";
        var n = sizes.Rows;
        await MeasureAsync(database, "one row per commit, 1 connection", n, connections: 1, batch: 1);
        await MeasureAsync(database, "one row per commit, 4 connections", n, connections: 4, batch: 1);
        await MeasureAsync(database, "NpgsqlBatch of 100 rows per commit, 1 connection", n, connections: 1, batch: 100);
    }

    private async Task MeasureAsync(FreshDatabase database, string name, int n, int connections, int batch)
    {
        var commitsPerRow = new List<double>();
        var rates = await Harness.RepeatAsync($"upsert {name}", warmups: 1, sizes.Repetitions, async rep =>
        {
            await database.ExecuteAsync("truncate bench_state");
            var before = await database.CommitsAsync();
            var elapsed = Stopwatch.StartNew();
            var perConnection = n / connections;
            await Task.WhenAll(Enumerable.Range(0, connections).Select(c => WriteAsync(database.ConnectionString, c * perConnection, perConnection, batch)));
            var seconds = elapsed.Elapsed.TotalSeconds;
            if (rep >= 0)
            {
                commitsPerRow.Add((await database.CommitsAsync() - before) / (double)(perConnection * connections));
            }

            return perConnection * connections / seconds;
        });
        var median = Harness.Median(rates);
        RowsPerSecond[name] = median;
        report.Add(new Row
        {
            Group = "The limit: raw Npgsql upserts",
            Scenario = name,
            Mode = "Postgres, fresh database",
            N = n,
            Repetitions = rates.Count,
            Value = median,
            Unit = "rows/s",
            Notes = $"median of {rates.Count}: {string.Join(", ", rates.Select(r => r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}; {Harness.Median(commitsPerRow):F2} commits/row (pg_stat_database, includes the counter reads)",
        });
    }

    private static async Task WriteAsync(string connectionString, int first, int count, int batch)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        const string value = """{"status":"materialized","dataVersion":"0123456789abcdef","metadata":{}}""";
        if (batch == 1)
        {
            await using var command = new NpgsqlCommand(Upsert, connection);
            var key = new NpgsqlParameter<string> { TypedValue = "" };
            command.Parameters.Add(key);
            command.Parameters.Add(new NpgsqlParameter<string> { Value = value });
            await command.PrepareAsync();
            for (var i = first; i < first + count; i++)
            {
                key.TypedValue = $"asset_{i:D7}";
                await command.ExecuteNonQueryAsync();
            }

            return;
        }

        for (var start = first; start < first + count; start += batch)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var commands = new NpgsqlBatch(connection, transaction);
            for (var i = start; i < Math.Min(start + batch, first + count); i++)
            {
                var command = new NpgsqlBatchCommand(Upsert);
                command.Parameters.Add(new NpgsqlParameter<string> { Value = $"asset_{i:D7}" });
                command.Parameters.Add(new NpgsqlParameter<string> { Value = value });
                commands.BatchCommands.Add(command);
            }

            await commands.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
    }
}
