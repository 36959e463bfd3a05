using System.Text.Json;
using Microsoft.Extensions.Configuration;
using OrleansAssets.Client;

namespace OrleansAssets.Cli;

/// <summary>
/// How <c>oa</c> finds the cluster, first match wins: <c>--gateway</c> / <c>OA_GATEWAYS</c>; a Postgres connection
/// in the environment (<c>ConnectionStrings__Postgres</c> or <c>OA_POSTGRES_*</c>); the context that
/// <c>scripts/cluster up</c> writes to <c>$OA_HOME/context.json</c> (<c>~/.oa</c> by default); else the dev-mode
/// silo on localhost.
/// </summary>
internal static class ClusterContext
{
    public static string ContextFile => Path.Combine(
        Environment.GetEnvironmentVariable("OA_HOME") is { Length: > 0 } home ? home : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".oa"),
        "context.json");

    public static OrleansAssetsClientOptions Resolve(IReadOnlyList<string> gateways)
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = OrleansAssetsClientOptions.FromConfiguration(environment);
        if (gateways.Count > 0)
        {
            options.PostgresConnectionString = null;
            options.Gateways.AddRange(gateways);
            return options;
        }

        if (environment["OA_GATEWAYS"] is { Length: > 0 } fromEnvironment)
        {
            options.PostgresConnectionString = null;
            options.Gateways.AddRange(fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            return options;
        }

        if (File.Exists(ContextFile) && JsonSerializer.Deserialize<Context>(File.ReadAllText(ContextFile), JsonDefaults.Web) is { Postgres: { } postgres } context
            && (options.PostgresConnectionString is null || SameDatabase(options.PostgresConnectionString, postgres)))
        {
            // The environment may name the database the context was written for; the context still knows the cluster id.
            options.PostgresConnectionString ??= postgres;
            options.ClusterId ??= context.ClusterId;
            options.ServiceId ??= context.ServiceId;
        }

        return options;
    }

    private static bool SameDatabase(string a, string b)
    {
        var x = new Npgsql.NpgsqlConnectionStringBuilder(a);
        var y = new Npgsql.NpgsqlConnectionStringBuilder(b);
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port && x.Database == y.Database;
    }

    private sealed record Context(string? Postgres, string? ClusterId, string? ServiceId);
}
