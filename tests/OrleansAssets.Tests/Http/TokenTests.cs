using System.Text.Json;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// A gateway with a token (<c>OrleansAssets__Auth__Token</c>): <c>oa --url</c> without it is refused with exit 2
/// and says how to give it; with <c>--token</c> or <c>OA_TOKEN</c> every command works; the token is never printed.
/// </summary>
public sealed class TokenTests(TokenTests.GuardedSilo fixture, ITestOutputHelper output) : IClassFixture<TokenTests.GuardedSilo>
{
    public const string Token = "s3cret-7f3a9c-token";

    private const string WrongToken = "not-it-5b2e81";

    [Fact]
    public async Task Without_the_token_oa_exits_2_and_says_how_to_give_it()
    {
        var result = await RunAsync(null, "--url", fixture.Silo.Url, "assets");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            $"error: The gateway at {fixture.Silo.Url} needs a token: pass --token TOKEN or set OA_TOKEN (the token is the gateway's OrleansAssets__Auth__Token).\n",
            result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_wrong_token_is_named_as_refused_and_not_printed()
    {
        var result = await RunAsync(null, "--url", fixture.Silo.Url, "--token", WrongToken, "materialize", "--select", "*");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"The gateway at {fixture.Silo.Url} refused the token from --token: it is not the gateway's token", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongToken, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_token_every_command_works_and_the_token_is_never_printed()
    {
        var waited = await RunAsync(null, "--url", fixture.Silo.Url, "--token", Token, "materialize", "--select", "*", "--wait", "--json");
        Assert.Equal(0, waited.ExitCode);
        var id = JsonDocument.Parse(waited.Output).RootElement.GetProperty("runId").GetString()!;

        // OA_URL and OA_TOKEN do what --url and --token do.
        var environment = new Dictionary<string, string> { ["OA_URL"] = fixture.Silo.Url, ["OA_TOKEN"] = Token };
        var results = new List<OaResult> { waited };
        foreach (var command in new[] { new[] { "run", id }, ["assets"], ["asset", "sales_summary", "--json"], ["runs"], ["silos", "--json"], ["code-locations"], ["materialize", "--select", "sales_summary", "--wait"] })
        {
            var result = await RunAsync(environment, command);
            Assert.True(result.ExitCode == 0, result.ToString());
            results.Add(result);
        }

        Assert.All(results, r => Assert.DoesNotContain(Token, r.Output + r.Error, StringComparison.Ordinal));
        Assert.DoesNotContain(Token, fixture.Silo.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_sdk_a_missing_or_wrong_token_is_an_authentication_problem_not_an_outage()
    {
        using var without = new OrleansAssetsHttpClient(new Uri(fixture.Silo.Url));
        using var wrong = new OrleansAssetsHttpClient(new Uri(fixture.Silo.Url), WrongToken);
        using var right = new OrleansAssetsHttpClient(new Uri(fixture.Silo.Url), Token);

        var missing = await Assert.ThrowsAsync<GatewayAuthenticationException>(() => without.ListAssetsAsync());
        var refused = await Assert.ThrowsAsync<GatewayAuthenticationException>(() => wrong.MaterializeAsync("*"));

        Assert.False(missing.TokenSent);
        Assert.True(refused.TokenSent);
        Assert.Null(ClusterErrors.Classify(refused));
        Assert.DoesNotContain(WrongToken, refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await right.ListAssetsAsync()).Count);
    }

    private async Task<OaResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var result = await Oa.RunAsync(environment, arguments);
        output.WriteLine(result.ToString());
        return result;
    }

    /// <summary>The dev-mode silo with a token: on loopback still (a token alone would open it to every address).</summary>
    public sealed class GuardedSilo : IAsyncLifetime
    {
        public DevSilo Silo { get; private set; } = null!;

        public async Task InitializeAsync() => Silo = await DevSilo.StartAsync(new Dictionary<string, string>
        {
            ["OrleansAssets__Auth__Token"] = Token,
            ["OrleansAssets__Gateway__Host"] = "127.0.0.1",
        });

        public async Task DisposeAsync() => await Silo.DisposeAsync();
    }
}
