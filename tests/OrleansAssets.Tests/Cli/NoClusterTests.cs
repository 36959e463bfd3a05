using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// Nothing answers where <c>oa</c> looks: it says so in seconds (it took 180 s), exit 3, naming what it tried and
/// what to start or set. The times are reported, not asserted, but for a sanity bound far below the old 180 s.
/// </summary>
public sealed class NoClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SanityBound = TimeSpan.FromSeconds(30);

    private async Task<OaResult> UnreachableAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var result = await Oa.RunAsync(environment, arguments);
        output.WriteLine($"oa {string.Join(' ', arguments)}: {result}");
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.True(result.Elapsed < SanityBound, $"took {result.Elapsed}");
        Oa.AssertOurWords(result);
        return result;
    }

    [Fact]
    public async Task A_gateway_where_nothing_listens_is_named_with_the_cluster_id_and_what_to_start()
    {
        var port = Oa.FreePort();
        var result = await UnreachableAsync(null, "--gateway", $"127.0.0.1:{port}", "runs");
        Assert.Contains($"127.0.0.1:{port}: connection refused", result.Error, StringComparison.Ordinal);
        Assert.Contains("because of --gateway, for cluster 'orleansassets'", result.Error, StringComparison.Ordinal);
        Assert.Contains("scripts/cluster up", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_whose_host_does_not_resolve_gets_a_plain_message()
    {
        var result = await UnreachableAsync(null, "--gateway", "nohost.invalid:1234", "runs");
        Assert.Contains("the host 'nohost.invalid' does not resolve", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_nothing_configured_it_names_the_dev_mode_silo_and_what_it_did_not_find()
    {
        if (Answers(new IPEndPoint(IPAddress.Loopback, 30000)))
        {
            // A dev-mode silo of someone else's runs here: "nothing listens" cannot be shown on this machine now.
            output.WriteLine("Something listens on 127.0.0.1:30000; not testing the dev-mode default.");
            return;
        }

        var result = await UnreachableAsync(null, "runs");
        Assert.Contains("127.0.0.1:30000: connection refused", result.Error, StringComparison.Ordinal);
        Assert.Contains("the dev-mode silo", result.Error, StringComparison.Ordinal);
        Assert.Contains("context file", result.Error, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project silo", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_is_away_is_named_as_the_storage_not_the_silos()
    {
        var port = Oa.FreePort();
        var result = await UnreachableAsync(
            new Dictionary<string, string> { ["OA_POSTGRES_HOST"] = "127.0.0.1", ["OA_POSTGRES_PORT"] = $"{port}", ["OA_POSTGRES_DB"] = "oa_nowhere" },
            "runs");
        Assert.Contains("The cluster's storage is away: Postgres 127.0.0.1:" + port + ", database 'oa_nowhere'", result.Error, StringComparison.Ordinal);
        Assert.Contains("refused the connection", result.Error, StringComparison.Ordinal);
        Assert.Contains("(from OA_POSTGRES_*)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("silos up", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Something_that_accepts_but_is_no_gateway_is_told_apart_from_nothing_listening()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(backlog: 16);
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await UnreachableAsync(null, "--gateway", $"127.0.0.1:{port}", "runs");
        Assert.Contains($"127.0.0.1:{port} accepted a connection", result.Error, StringComparison.Ordinal);
        Assert.Contains("no Orleans handshake within", result.Error, StringComparison.Ordinal);
    }

    private static bool Answers(IPEndPoint endpoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
