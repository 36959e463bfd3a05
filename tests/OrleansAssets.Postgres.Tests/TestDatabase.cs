using Npgsql;

// The silo processes and in-process clusters of these tests share one Postgres and two cores: one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// A fresh database on the test Postgres for one fixture, dropped afterwards. README's test command starts that
/// server and sets OA_TEST_POSTGRES; without it the local default is tried, and a clear failure says what to run.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private const string LocalDefault = "Host=127.0.0.1;Port=5432;Username=orleansassets;Password=orleansassets;Database=orleansassets";

    private TestDatabase(string name, string connectionString, string adminConnectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        _admin = adminConnectionString;
    }

    private readonly string _admin;

    public string Name { get; }

    public string ConnectionString { get; }

    public static string ServerConnectionString => Environment.GetEnvironmentVariable("OA_TEST_POSTGRES") is { Length: > 0 } configured ? configured : LocalDefault;

    public static Task<TestDatabase> CreateAsync() => CreateAsync(ServerConnectionString);

    /// <summary>A fresh database on the server <paramref name="server"/> names (its database part is ignored).</summary>
    public static async Task<TestDatabase> CreateAsync(string server)
    {
        var name = $"oa_test_{Guid.NewGuid():N}"[..24];
        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"No test Postgres at {OrleansAssetsPostgres.Describe(server)} ({e.Message}). Run the tests with `bash scripts/test`, which starts one.", e);
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, server);
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
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
                // A backend this role may not end (autovacuum on the new database) is still connected: it leaves soon.
                await Task.Delay(200);
            }
        }
    }
}
