using System.Text.Json;
using Microsoft.Extensions.Configuration;
using OrleansAssets.Client;

namespace OrleansAssets.Cli;

/// <summary>Where <c>oa</c> looks for the cluster, and why there: the messages say both when nothing answers.</summary>
internal sealed class ClusterTarget
{
    public required OrleansAssetsClientOptions Options { get; init; }

    /// <summary>What named the place, for example <c>--gateway</c> or <c>the context file ~/.oa/context.json</c>.</summary>
    public required string Source { get; init; }

    /// <summary>What set the cluster id; null when it is the default, which <c>oa</c> may replace with the one a gateway names.</summary>
    public string? ClusterIdSource { get; init; }

    /// <summary>The cluster id of the context file, even when <c>oa</c> did not go by it (a gateway may serve that cluster).</summary>
    public string? ContextClusterId { get; init; }

    public bool IsPostgres => Options.PostgresConnectionString is not null;

    /// <summary>No gateway and no database named anywhere: the dev-mode silo on localhost.</summary>
    public bool IsDevMode => !IsPostgres && Options.Gateways.Count == 0;

    /// <summary>The cluster id the client will present, with the SDK's defaults filled in.</summary>
    public string ClusterId => Options.ClusterId ?? (IsDevMode ? OrleansAssets.Cluster.ClusterIdentity.DevClusterId : OrleansAssets.Cluster.ClusterIdentity.ClusterId);

    /// <summary>The gateways to try: the ones given, or the dev-mode silo's.</summary>
    public IReadOnlyList<string> Gateways => IsDevMode ? [DevModeGateway] : Options.Gateways;

    public const string DevModeGateway = "127.0.0.1:30000";
}

/// <summary>
/// How <c>oa</c> finds the cluster, first match wins: <c>--gateway</c> / <c>OA_GATEWAYS</c>; a Postgres connection
/// in the environment (<c>ConnectionStrings__Postgres</c> or <c>OA_POSTGRES_*</c>); the context that
/// <c>scripts/cluster up</c> writes to <c>$OA_HOME/context.json</c> (<c>~/.oa</c> by default); else the dev-mode
/// silo on localhost. The cluster id: <c>--cluster-id</c>, <c>OrleansAssets__Cluster__ClusterId</c>,
/// <c>OA_CLUSTER_ID</c>, the context's; else the default, which a gateway may correct.
/// </summary>
internal static class ClusterContext
{
    public static string ContextFile => Path.Combine(
        Environment.GetEnvironmentVariable("OA_HOME") is { Length: > 0 } home ? home : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".oa"),
        "context.json");

    /// <exception cref="BadInputException">OA_GATEWAYS, OA_CLUSTER_ID or the context file cannot be read.</exception>
    public static ClusterTarget Resolve(IReadOnlyList<string> gateways, string? clusterId)
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = ReadOptions(environment);
        string? clusterIdSource = null;
        if (clusterId is not null)
        {
            options.ClusterId = clusterId;
            clusterIdSource = "--cluster-id";
        }
        else if (options.ClusterId is { Length: > 0 })
        {
            clusterIdSource = "OrleansAssets__Cluster__ClusterId";
        }
        else if (environment["OA_CLUSTER_ID"] is { } fromEnvironment)
        {
            options.ClusterId = Inputs.TryClusterId(fromEnvironment, out var id, out var error) ? id : throw new BadInputException($"OA_CLUSTER_ID: {error}");
            clusterIdSource = "OA_CLUSTER_ID";
        }

        var context = ReadContext();
        if (gateways.Count > 0)
        {
            options.PostgresConnectionString = null;
            options.Gateways.AddRange(gateways);
            return new ClusterTarget { Options = options, Source = "--gateway", ClusterIdSource = clusterIdSource, ContextClusterId = context?.ClusterId };
        }

        if (environment["OA_GATEWAYS"] is { Length: > 0 } listed)
        {
            options.PostgresConnectionString = null;
            options.Gateways.AddRange(Inputs.TryGateways([listed], out var parsed, out var error) ? parsed : throw new BadInputException($"OA_GATEWAYS: {error}"));
            return new ClusterTarget { Options = options, Source = "OA_GATEWAYS", ClusterIdSource = clusterIdSource, ContextClusterId = context?.ClusterId };
        }

        var source = options.PostgresConnectionString is null ? null
            : environment.GetConnectionString(PostgresConnectionString.ConnectionStringName) is { Length: > 0 } ? "ConnectionStrings__Postgres" : "OA_POSTGRES_*";
        if (context is { Postgres: { } postgres }
            && (options.PostgresConnectionString is null || SameDatabase(options.PostgresConnectionString, postgres)))
        {
            // The environment may name the database the context was written for; the context still knows the cluster id.
            source ??= $"the context file {ContextFile}";
            options.PostgresConnectionString ??= postgres;
            if (options.ClusterId is null && context.ClusterId is { Length: > 0 })
            {
                options.ClusterId = context.ClusterId;
                clusterIdSource = $"the context file {ContextFile}";
            }

            options.ServiceId ??= context.ServiceId;
        }

        return new ClusterTarget
        {
            Options = options,
            Source = source ?? $"no --gateway, OA_GATEWAYS, ConnectionStrings__Postgres, OA_POSTGRES_* or context file ({ContextFile})",
            ClusterIdSource = clusterIdSource,
            ContextClusterId = context?.ClusterId,
        };
    }

    private static OrleansAssetsClientOptions ReadOptions(IConfiguration environment)
    {
        try
        {
            return OrleansAssetsClientOptions.FromConfiguration(environment);
        }
        catch (ArgumentException e)
        {
            // Npgsql refuses a malformed connection string; say which setting holds it, not where Npgsql choked.
            throw new BadInputException($"ConnectionStrings__Postgres is not a valid Postgres connection string ({e.Message})");
        }
    }

    private static Context? ReadContext()
    {
        if (!File.Exists(ContextFile))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Context>(File.ReadAllText(ContextFile), JsonDefaults.Web);
        }
        catch (JsonException e)
        {
            throw new BadInputException($"The context file {ContextFile} is not valid JSON ({e.Message}); delete it or run scripts/cluster up again");
        }
    }

    private static bool SameDatabase(string a, string b)
    {
        var x = new Npgsql.NpgsqlConnectionStringBuilder(a);
        var y = new Npgsql.NpgsqlConnectionStringBuilder(b);
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port && x.Database == y.Database;
    }

    private sealed record Context(string? Postgres, string? ClusterId, string? ServiceId);
}
