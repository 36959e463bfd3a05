using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansAssets.Postgres;

/// <summary>
/// Migrates the schema before Orleans starts (it is the host's first hosted service): the providers read their
/// queries from it. A wrong password or an unreachable host becomes one clear error that stops the silo.
/// </summary>
internal sealed class PostgresSchemaInitializer(PostgresMigrator migrator, IOptions<PostgresStorageOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await migrator.MigrateAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException or InvalidOperationException)
        {
            throw new OrleansAssetsException(
                $"Cannot use Postgres at {PostgresConnectionString.Describe(options.Value.ConnectionString!)}: {Reason(e)}",
                e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Reason(Exception e) => e switch
    {
        PostgresException p => $"{p.MessageText} ({p.SqlState})",
        NpgsqlException { InnerException: SocketException s } => s.Message,
        NpgsqlException { InnerException: TimeoutException } => "the connection timed out",
        _ => e.Message,
    };
}
