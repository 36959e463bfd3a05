using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OrleansAssets.Cli;

/// <summary>
/// Nothing answered where <c>oa</c> looked; the message says where it looked, why there, and what to start or set.
/// <see cref="StorageAway"/>: the cluster's database is what did not answer.
/// </summary>
internal sealed class ClusterUnreachableException(string message, bool storageAway = false, Exception? inner = null) : Exception(message, inner)
{
    public bool StorageAway { get; } = storageAway;
}

/// <summary>
/// Looks before the Orleans client does, which would retry for minutes: a TCP connect to each gateway (refused
/// at once when nothing listens) and, on Postgres, a read of the membership table, to tell apart a database that
/// is away, a schema that is missing, a cluster id that is not listed, and silos listed but not answering.
/// </summary>
internal static class ClusterProbe
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);
    private const int DatabaseTimeoutSeconds = 15;
    private const int ActiveStatus = 3; // Orleans' SiloStatus.Active, as the membership table stores it

    private const string StartOne = "Start one with: dotnet run --project silo (dev mode) or scripts/cluster up; or point oa at one with --gateway HOST:PORT, OA_GATEWAYS or OA_POSTGRES_*.";

    /// <summary>Gateways that accept a connection, as <c>ip:port</c>, in the order given.</summary>
    /// <exception cref="ClusterUnreachableException">None does.</exception>
    public static async Task<IReadOnlyList<string>> CheckGatewaysAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(target.Gateways.Select(g => ProbeGatewayAsync(g, cancellationToken)));
        var answering = results.Where(r => r.Problem is null).Select(r => r.Endpoint!).ToList();
        if (answering.Count > 0)
        {
            return answering;
        }

        var tried = string.Join("; ", results.Select(r => $"{r.Gateway}: {r.Problem}"));
        var why = target.IsDevMode
            ? $"oa looked for the dev-mode silo at {ClusterTarget.DevModeGateway} because it found {target.Source}"
            : $"oa looked there because of {target.Source}, for cluster '{target.ClusterId}'";
        throw new ClusterUnreachableException($"No cluster answered: {tried}. {why}. {StartOne}");
    }

    /// <summary>The gateways the membership table lists as active for the target's cluster id and that accept a connection.</summary>
    /// <exception cref="ClusterUnreachableException">The database is away, has no schema, lists no active silo of this cluster, or none answers.</exception>
    public static async Task<IReadOnlyList<string>> CheckPostgresAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var connectionString = target.Options.PostgresConnectionString!;
        var database = $"Postgres {PostgresConnectionString.Describe(connectionString)} (from {target.Source})";
        var members = await ReadActiveMembersAsync(connectionString, database, cancellationToken);
        var ours = members.Where(m => m.ClusterId == target.ClusterId).ToList();
        if (ours.Count == 0)
        {
            var others = members.GroupBy(m => m.ClusterId).OrderByDescending(g => g.Count()).ToList();
            if (others.Count == 0)
            {
                throw new ClusterUnreachableException(
                    $"No cluster answered: no silo is active in {database}, for cluster '{target.ClusterId}' or any other. Start the cluster (scripts/cluster up) or point oa at the database of a running one.");
            }

            var listed = string.Join(", ", others.Select(g => $"'{UserText.Shorten(g.Key)}' ({g.Count()} silo{(g.Count() == 1 ? "" : "s")})"));
            var suggestion = UserText.Shorten(others[0].Key);
            throw new ClusterUnreachableException(
                $"No cluster answered: no active silo of cluster '{UserText.Shorten(target.ClusterId)}'{ClusterIdOrigin(target)} is listed in {database}; active silos are listed there for {listed}. " +
                $"Set OrleansAssets__Cluster__ClusterId={suggestion} (or pass --cluster-id {suggestion}), or start cluster '{UserText.Shorten(target.ClusterId)}'.");
        }

        var gateways = ours.Select(m => FormatEndpoint(m.Address, m.ProxyPort)).Distinct().ToList();
        var results = await Task.WhenAll(gateways.Select(g => ProbeGatewayAsync(g, cancellationToken)));
        var answering = results.Where(r => r.Problem is null).Select(r => r.Endpoint!).ToList();
        if (answering.Count > 0)
        {
            return answering;
        }

        throw new ClusterUnreachableException(
            $"No cluster answered: {database} lists {ours.Count} active silo{(ours.Count == 1 ? "" : "s")} of cluster '{UserText.Shorten(target.ClusterId)}', but none answers ({string.Join("; ", results.Select(r => $"{r.Gateway}: {r.Problem}"))}). " +
            "They may have stopped without leaving the membership (kill -9, a crashed host). Start the cluster again (scripts/cluster up; scripts/cluster status shows its processes).");
    }

    private static string ClusterIdOrigin(ClusterTarget target) => target.ClusterIdSource is { } source ? $" (set by {source})" : " (the default)";

    private sealed record Member(string ClusterId, string Address, int ProxyPort);

    private static async Task<List<Member>> ReadActiveMembersAsync(string connectionString, string database, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timeout = DatabaseTimeoutSeconds,
            CommandTimeout = DatabaseTimeoutSeconds,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            throw new ClusterUnreachableException(
                $"The cluster's storage is away: {database} {DatabaseProblem(e)}. Start Postgres (bash scripts/postgres ensure, or scripts/cluster up) or set ConnectionStrings__Postgres / OA_POSTGRES_* to where it is.",
                storageAway: true,
                e);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "select deployment_id, address, proxy_port from oa_membership where status = @active and proxy_port > 0";
        command.Parameters.AddWithValue("active", ActiveStatus);
        var members = new List<Member>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                members.Add(new Member(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new ClusterUnreachableException(
                $"No cluster answered: {database} has no OrleansAssets schema yet, so no cluster has run on it (a silo creates the schema when it first starts). Start one with scripts/cluster up, or point oa at the database of a running cluster.",
                inner: e);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new ClusterUnreachableException(
                $"The cluster's storage is away: {database} {DatabaseProblem(e)}. Start Postgres (bash scripts/postgres ensure) or set ConnectionStrings__Postgres / OA_POSTGRES_* to where it is.",
                storageAway: true,
                e);
        }

        return members;
    }

    private static string DatabaseProblem(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        return e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p => $"refused the login ({UserText.Shorten(p.MessageText, 200)})",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } => "does not exist (a cluster creates its database when scripts/cluster up first starts it)",
            PostgresException p => $"failed: {UserText.Shorten(p.MessageText, 200)} ({p.SqlState})",
            _ when inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "refused the connection (is Postgres running?)",
            _ when inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => "cannot be found (its host does not resolve)",
            _ when inner is TimeoutException || e is TimeoutException => $"did not answer within {DatabaseTimeoutSeconds} s",
            _ => $"is unreachable ({UserText.Shorten(inner.Message.TrimEnd('.'), 200)})",
        };
    }

    private sealed record GatewayProbe(string Gateway, string? Endpoint, string? Problem);

    /// <summary>Resolves and connects to one <c>host:port</c>; a problem in words, or the endpoint that answered.</summary>
    private static async Task<GatewayProbe> ProbeGatewayAsync(string gateway, CancellationToken cancellationToken)
    {
        if (!Inputs.TrySplitGateway(gateway, out var host, out var port))
        {
            return new GatewayProbe(gateway, null, "not host:port");
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var resolving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            resolving.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, resolving.Token);
            }
            catch (SocketException e)
            {
                return new GatewayProbe(gateway, null, $"the host '{UserText.Shorten(host)}' does not resolve ({UserText.Shorten(e.Message.TrimEnd('.'), 120)})");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new GatewayProbe(gateway, null, $"the host '{UserText.Shorten(host)}' did not resolve within {ResolveTimeout.TotalSeconds:0} s");
            }

            if (addresses.Length == 0)
            {
                return new GatewayProbe(gateway, null, $"the host '{UserText.Shorten(host)}' resolves to no address");
            }
        }

        // IPv4 first: silos advertise IPv4 addresses and the Orleans client takes the first address of a name.
        string? problem = null;
        foreach (var address in addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1))
        {
            var endpoint = new IPEndPoint(address, port);
            problem = await TryConnectAsync(endpoint, cancellationToken);
            if (problem is null)
            {
                return new GatewayProbe(gateway, endpoint.ToString(), null);
            }
        }

        return new GatewayProbe(gateway, null, problem);
    }

    private static async Task<string?> TryConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, connecting.Token);
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (nothing listens there)",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable from here",
                _ => UserText.Shorten(e.Message.TrimEnd('.'), 120),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
    }

    public static string FormatEndpoint(string address, int port) =>
        IPAddress.TryParse(address, out var ip) ? new IPEndPoint(ip, port).ToString() : $"{address}:{port}";
}
