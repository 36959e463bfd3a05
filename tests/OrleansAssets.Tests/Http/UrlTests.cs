using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary><c>oa --url</c> where no gateway answers (exit 3, in seconds), and URLs and options that cannot work (exit 2).</summary>
public sealed class UrlTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("assets")]
    [InlineData("materialize", "--select", "*", "--wait")]
    [InlineData("run", "7c0f1e2a-5b1d-4c3e-9f00-2a6b8c4d1e3f")]
    public async Task A_url_where_nothing_listens_is_named_with_exit_3_within_seconds(params string[] command)
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";

        var result = await RunAsync(null, ["--url", url, .. command]);

        Assert.Equal(3, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5), $"took {result.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(
            $"error: No gateway answers at {url}: connection refused (nothing listens there). oa looked there because of --url. " +
            "Start a gateway (dotnet run --project silo serves one on http://localhost:3000; scripts/cluster up prints its URL), or pass another --url.\n",
            result.Error);
        Oa.AssertOurWords(result);
    }

    [Fact]
    public async Task OA_URL_is_used_and_named_when_there_is_no_url_option()
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";

        var result = await RunAsync(new Dictionary<string, string> { ["OA_URL"] = url }, "silos");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"No gateway answers at {url}: connection refused", result.Error, StringComparison.Ordinal);
        Assert.Contains("because of OA_URL", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url", "'not a url' is not a gateway URL: give http://HOST:PORT or https://HOST:PORT (for example http://localhost:3000)")]
    [InlineData("localhost:3000", "(did you mean http://localhost:3000?)")]
    [InlineData("ftp://example.com", "'ftp://example.com' is not a gateway URL")]
    [InlineData("http://", "'http://' is not a gateway URL")]
    [InlineData("http://localhost:3000/?x=1", "it takes no query or fragment")]
    [InlineData("http://admin:hunter2@localhost:3000", "a gateway URL takes no user name or password: give the gateway's token with --token or OA_TOKEN")]
    public async Task A_malformed_url_is_refused_with_exit_2(string url, string message)
    {
        var result = await RunAsync(null, "--url", url, "assets");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Error, StringComparison.Ordinal);
        Oa.AssertOurWords(result);
    }

    [Fact]
    public async Task A_malformed_OA_URL_is_refused_naming_the_variable()
    {
        var result = await RunAsync(new Dictionary<string, string> { ["OA_URL"] = "localhost:3000" }, "assets");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: OA_URL: 'localhost:3000' is not a gateway URL", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("give --url (a gateway's REST API) or --gateway (the cluster's Orleans gateways), not both", "--url", "http://localhost:3000", "--gateway", "127.0.0.1:30000", "assets")]
    [InlineData("--cluster-id is for the Orleans client; over --url the gateway knows its cluster", "--url", "http://localhost:3000", "--cluster-id", "dev", "assets")]
    [InlineData("--token goes with --url (or OA_URL)", "--token", "abc", "assets")]
    public async Task Options_that_do_not_go_together_are_refused_with_exit_2(string message, params string[] arguments)
    {
        var result = await RunAsync(null, arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_no_header_can_carry_is_refused_without_showing_it()
    {
        var result = await RunAsync(null, "--url", "http://127.0.0.1:1", "--token", "se\u0001cret", "assets");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the token from --token cannot be sent in an HTTP header", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cret", result.Error, StringComparison.Ordinal);
    }

    private async Task<OaResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var result = await Oa.RunAsync(environment, arguments);
        output.WriteLine(result.ToString());
        return result;
    }
}
