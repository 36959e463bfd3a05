using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;

namespace OrleansAssets.Cli;

/// <summary>
/// A connected client for one command. Looks first (<see cref="ClusterProbe"/>), then starts the Orleans client
/// within a bound of its own; a gateway that serves another cluster id teaches it the id to use.
/// </summary>
internal sealed partial class ClusterSession : IAsyncDisposable
{
    /// <summary>How long the Orleans client may take to connect once a gateway accepted a TCP connection (it takes about 1 s).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection may take to finish Orleans' handshake (Orleans' default is 5 s).</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;

    private ClusterSession(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IOrleansAssetsClient>();
    }

    public IOrleansAssetsClient Client { get; }

    /// <param name="notes">Where to say what <c>oa</c> learned on the way (stderr: stdout may carry JSON).</param>
    /// <exception cref="ClusterUnreachableException">Nothing answered, or not as the cluster asked for.</exception>
    public static async Task<ClusterSession> ConnectAsync(ClusterTarget target, TextWriter notes, CancellationToken cancellationToken)
    {
        var answering = target.IsPostgres
            ? await ClusterProbe.CheckPostgresAsync(target, cancellationToken)
            : await ClusterProbe.CheckGatewaysAsync(target, cancellationToken);

        var options = new OrleansAssetsClientOptions
        {
            PostgresConnectionString = target.Options.PostgresConnectionString,
            // The addresses that answered, resolved: the Orleans client would resolve names again, and try dead ones first.
            Gateways = target.IsPostgres || target.IsDevMode ? [] : [.. answering],
            ClusterId = target.Options.ClusterId,
            ServiceId = target.Options.ServiceId,
        };

        var attempt = await TryStartAsync(options, cancellationToken);
        if (attempt.Session is { } session)
        {
            return session;
        }

        // A gateway of another cluster closes the connection in Orleans' handshake. It sends its own cluster id
        // first, but closes so soon after that the id rarely arrives (never, in our tries); when it does, it is used.
        var gateway = answering[0];
        var refused = attempt.ServedClusterId is not null || attempt.HandshakeClosed;
        if (!target.IsPostgres && refused)
        {
            var presented = options.ClusterId ?? target.ClusterId;
            if (target.ClusterIdSource is { } source)
            {
                throw new ClusterUnreachableException(attempt.ServedClusterId is { } named
                    ? $"The gateway at {gateway} serves cluster '{UserText.Shorten(named)}', not '{UserText.Shorten(presented)}' (set by {source}). Pass --cluster-id {UserText.Shorten(named)}, or leave the cluster id unset and oa learns it."
                    : $"The gateway at {gateway} closed the connection in Orleans' handshake: it does not serve cluster '{UserText.Shorten(presented)}' (set by {source}). " +
                      $"Pass the cluster's id with --cluster-id (scripts/cluster uses 'orleansassets-local', the dev-mode silo 'default', docker compose 'orleansassets'), or leave it unset and oa tries those.");
            }

            // Not set anywhere: the id the gateway named, else the ids oa knows clusters by, in turn.
            var candidates = attempt.ServedClusterId is { } served ? [served] : KnownClusterIds(target).Where(id => id != presented).ToList();
            foreach (var candidate in candidates)
            {
                options.ClusterId = candidate;
                var retry = await TryStartAsync(options, cancellationToken);
                if (retry.Session is { } learned)
                {
                    await notes.WriteLineAsync(
                        $"note: the gateway at {gateway} serves cluster '{UserText.Shorten(candidate)}', not '{presented}' (the default); connected with that id " +
                        $"(pass --cluster-id {UserText.Shorten(candidate)} or set OA_CLUSTER_ID={UserText.Shorten(candidate)} to skip this step)");
                    return learned;
                }
            }

            throw new ClusterUnreachableException(
                $"The gateway at {gateway} closed the connection in Orleans' handshake for cluster ids {string.Join(", ", new[] { presented }.Concat(candidates).Select(id => $"'{UserText.Shorten(id)}'"))}: " +
                $"it serves a cluster with another id, or it is not an OrleansAssets gateway. Pass the cluster's id with --cluster-id ID or OA_CLUSTER_ID (its silos log it when they start: \"cluster 'ID' on Postgres ...\").",
                inner: attempt.Failure);
        }

        throw new ClusterUnreachableException(
            $"No cluster answered: {string.Join(", ", answering)} accepted a connection, but the Orleans client could not connect to cluster '{UserText.Shorten(options.ClusterId ?? target.ClusterId)}' " +
            $"({attempt.Problem}). oa looked there because of {target.Source}. Is it an OrleansAssets gateway, and are its silos up? (oa silos, scripts/cluster status)",
            inner: attempt.Failure);
    }

    /// <summary>
    /// The cluster ids a gateway is likely to serve when none was set: the one the context file names (written by
    /// scripts/cluster up), then those of scripts/cluster, the dev-mode silo and docker compose. The dev-mode silo's
    /// is Orleans' default, 'default': its localhost clustering keeps ClusterOptions' default and does not apply 'dev'.
    /// </summary>
    private static IEnumerable<string> KnownClusterIds(ClusterTarget target) =>
        new[] { target.ContextClusterId, OrleansAssets.Cluster.ClusterIdentity.LocalScriptClusterId, OrleansAssets.Cluster.ClusterIdentity.DevClusterId, OrleansAssets.Cluster.ClusterIdentity.ClusterId }.OfType<string>().Distinct(StringComparer.Ordinal);

    /// <param name="HandshakeClosed">The gateway accepted the connection and closed it before Orleans' handshake ended, as one of another cluster does.</param>
    private sealed record StartAttempt(ClusterSession? Session, Exception? Failure = null, string? ServedClusterId = null, string? Problem = null, bool HandshakeClosed = false);

    private static async Task<StartAttempt> TryStartAsync(OrleansAssetsClientOptions options, CancellationToken cancellationToken)
    {
        var failures = new ConnectFailures();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // stdout carries the command's output (often JSON): the client's own logging stays off it. Its warnings
        // are read, not printed: a handshake refused for a cluster id mismatch reaches us only as a logged warning.
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(failures);
        builder.AddOrleansAssetsClient(o =>
        {
            o.PostgresConnectionString = options.PostgresConnectionString;
            o.Gateways = options.Gateways;
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        // Registered after Orleans' default, which retries 15 times over three minutes.
        builder.Services.AddSingleton<IClientConnectionRetryFilter>(failures);
        // A gateway answers its handshake in milliseconds; something that accepts and stays silent is no gateway.
        builder.Services.Configure<Orleans.Configuration.ConnectionOptions>(o => o.OpenConnectionTimeout = HandshakeTimeout);
        var host = builder.Build();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StartTimeout);
        try
        {
            // Bounded twice: by the token Orleans is given, and here, should a step of its start not watch the token.
            await host.StartAsync(bounded.Token).WaitAsync(StartTimeout + TimeSpan.FromSeconds(1), cancellationToken);
            return new StartAttempt(new ClusterSession(host));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(host);
            var failure = failures.Telling ?? failures.Last ?? e;
            return new StartAttempt(
                null,
                failure,
                failures.ServedClusterId ?? ServedClusterId(e),
                failures.Last is null && e is OperationCanceledException ? $"no answer within {StartTimeout.TotalSeconds:0} s"
                    : TimedOut(failure) ? $"no Orleans handshake within {HandshakeTimeout.TotalSeconds:0} s"
                    : Innermost(failure),
                failures.HandshakeClosed);
        }
    }

    /// <summary>
    /// Sees every failed connection attempt of the Orleans client and its warnings: stops at once on a cluster id
    /// mismatch (the handshake names the id the gateway serves), retries other failures a few times.
    /// </summary>
    private sealed class ConnectFailures : IClientConnectionRetryFilter, ILoggerProvider, ILogger
    {
        private const int MaxRetries = 3;
        private int _retries;

        public Exception? Last { get; private set; }

        /// <summary>The first failure that says what went wrong (not Orleans' "will retry after" of a later attempt).</summary>
        public Exception? Telling { get; private set; }

        public string? ServedClusterId { get; private set; }

        public bool HandshakeClosed { get; private set; }

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            Last = exception;
            if (Telling is null && !Innermost(exception).Contains("will retry after", StringComparison.Ordinal))
            {
                Telling = exception;
            }

            ServedClusterId ??= ClusterSession.ServedClusterId(exception);
            HandshakeClosed |= ClosedInHandshake(exception);

            // A handshake that closes fails the same way again at once: the caller tries another cluster id instead.
            // One that timed out would take as long again.
            if (ServedClusterId is not null || HandshakeClosed || TimedOut(exception) || ++_retries > MaxRetries)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            return true;
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (ServedClusterId is null && exception is not null)
            {
                ServedClusterId = ClusterSession.ServedClusterId(exception);
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>The cluster id a gateway said it serves when the client's did not match, from Orleans' handshake failure.</summary>
    private static string? ServedClusterId(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(ServedClusterId).FirstOrDefault(id => id is not null);
            }

            if (ClusterIdMismatch().Match(e.Message) is { Success: true } match)
            {
                return match.Groups["served"].Value;
            }
        }

        return null;
    }

    private static bool TimedOut(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains("timed out after", StringComparison.Ordinal) || e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Stops a client whose start failed, without letting a stuck stop hold up the message the user waits for.</summary>
    private static async Task DisposeQuietlyAsync(IHost host)
    {
        try
        {
            await Task.Run(host.Dispose).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>Orleans' words for a connection its peer closed before the handshake ended.</summary>
    private static bool ClosedInHandshake(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.ConnectionAbortedException
                || (e is InvalidOperationException && e.Message.Contains("terminated prematurely", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex("Unexpected cluster id \"(?<served>[^\"]*)\", expected \"[^\"]*\"")]
    private static partial Regex ClusterIdMismatch();

    private static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        // Orleans names endpoints as silo addresses (S127.0.0.1:30000:0); people know them as host:port.
        return UserText.Shorten(SiloAddress().Replace(e.Message.TrimEnd('.'), "$1"), 200);
    }

    [GeneratedRegex(@"\bS(\d{1,3}(?:\.\d{1,3}){3}:\d+):\d+")]
    private static partial Regex SiloAddress();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(2));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
