using Microsoft.Extensions.Configuration;
using Npgsql;

namespace OrleansAssets;

/// <summary>
/// Where the cluster's Postgres is, the way every OrleansAssets process reads it: <c>ConnectionStrings:Postgres</c>
/// first, else the split variables <c>OA_POSTGRES_HOST</c>, <c>_PORT</c>, <c>_USER</c>, <c>_PASSWORD</c>, <c>_DB</c>.
/// Shared as source by the silo's Postgres storage and the client, which must agree without referencing each other.
/// </summary>
internal static class PostgresConnectionString
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>The connection string, or null when neither form is configured (dev mode).</summary>
    public static string? From(IConfiguration configuration)
    {
        if (configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } configured)
        {
            return configured;
        }

        var host = configuration["OA_POSTGRES_HOST"];
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = int.TryParse(configuration["OA_POSTGRES_PORT"], out var port) ? port : 5432,
            Username = configuration["OA_POSTGRES_USER"] ?? "postgres",
            Password = configuration["OA_POSTGRES_PASSWORD"],
            Database = configuration["OA_POSTGRES_DB"] ?? "orleansassets",
        };
        return builder.ConnectionString;
    }

    /// <summary>The connection string with its password hidden, for messages.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}, database '{builder.Database}', user '{builder.Username}'";
    }
}
