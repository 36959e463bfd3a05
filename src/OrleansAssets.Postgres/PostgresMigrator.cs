using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansAssets.Postgres;

/// <summary>
/// Applies the schema's versioned migrations (embedded <c>Migrations/NNNN_name.sql</c>) in one transaction under
/// an advisory lock: idempotent, and safe when several silos start at once (the others wait, then find nothing to
/// do). A migration that changed after it was applied stops the silo instead of drifting silently.
/// </summary>
public sealed partial class PostgresMigrator(NpgsqlDataSource dataSource, ILogger<PostgresMigrator> logger)
{
    // Any constant both sides agree on; pg_advisory_xact_lock releases it at commit or rollback.
    private const long MigrationLock = 0x4F41_5343_4845_4D41; // "OASCHEMA"

    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = ReadMigrations();

    /// <summary>Brings the database to the newest schema; returns the versions it applied (none when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"select pg_advisory_xact_lock({MigrationLock})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            create table if not exists oa_schema_migrations (
                version    integer primary key,
                name       text not null,
                checksum   text not null,
                applied_at timestamptz not null default now())
            """, cancellationToken);

        var applied = new Dictionary<int, string>();
        await using (var read = new NpgsqlCommand("select version, checksum from oa_schema_migrations", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied[reader.GetInt32(0)] = reader.GetString(1);
            }
        }

        var done = new List<int>();
        foreach (var (version, name, sql) in Migrations)
        {
            var checksum = Checksum(sql);
            if (applied.TryGetValue(version, out var existing))
            {
                if (existing != checksum)
                {
                    throw new OrleansAssetsException($"Schema migration {version} ({name}) differs from the one applied to this database; migrations are never edited once released, add a new one.");
                }

                continue;
            }

            await ExecuteAsync(connection, transaction, sql, cancellationToken);
            await using var record = new NpgsqlCommand("insert into oa_schema_migrations (version, name, checksum) values ($1, $2, $3)", connection, transaction)
            {
                Parameters = { new() { Value = version }, new() { Value = name }, new() { Value = checksum } },
            };
            await record.ExecuteNonQueryAsync(cancellationToken);
            done.Add(version);
        }

        await transaction.CommitAsync(cancellationToken);
        if (done.Count > 0)
        {
            LogApplied(logger, string.Join(", ", done), Migrations[^1].Version);
        }

        return done;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Checksum(string sql) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static List<(int, string, string)> ReadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = Path.GetFileNameWithoutExtension(n);
                var underscore = file.IndexOf('_', StringComparison.Ordinal);
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return (int.Parse(file[..underscore], System.Globalization.CultureInfo.InvariantCulture), file[(underscore + 1)..], reader.ReadToEnd());
            })
            .OrderBy(m => m.Item1)
            .ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration(s) {Versions}; the schema is at version {Latest}")]
    private static partial void LogApplied(ILogger logger, string versions, int latest);
}
