using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// Input <c>oa</c> refuses before it looks for a cluster: exit 2, one line in our words. No cluster runs here, so a
/// command that got past its input would exit 3 instead.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output)
{
    private async Task<OaResult> RefusedAsync(params string[] arguments)
    {
        var result = await Oa.RunAsync(arguments);
        output.WriteLine($"oa {string.Join(' ', arguments.Select(a => a.Length > 40 ? a[..40] + "…" : a))}: {result}");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Oa.AssertOurWords(result);
        return result;
    }

    [Fact]
    public async Task A_run_id_that_is_not_one_is_refused_in_our_words()
    {
        var result = await RefusedAsync("run", "not-a-guid");
        Assert.Contains("'not-a-guid' is not a run id (a run id looks like ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_status_is_refused_with_the_statuses_there_are()
    {
        var result = await RefusedAsync("runs", "--status", "sucess");
        Assert.Contains("'sucess' is not a run status; use queued, started, success, failure or canceled", result.Error, StringComparison.Ordinal);
        Assert.Contains("did you mean 'success'?", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1001")]
    [InlineData("abc")]
    [InlineData("2.5")]
    public async Task A_limit_outside_1_to_1000_is_refused_naming_the_option(string limit)
    {
        var result = await RefusedAsync("runs", "--limit", limit);
        Assert.Contains("--limit", result.Error, StringComparison.Ordinal);
        Assert.Contains("1 to 1000", result.Error, StringComparison.Ordinal);
        Assert.Contains($"'{limit}'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tag_key_given_twice_is_refused_naming_the_key()
    {
        var result = await RefusedAsync("materialize", "--select", "*", "--tag", "owner=a", "--tag", "owner=b");
        Assert.Contains("the key 'owner' twice ('a' and 'b')", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tag_without_a_value_is_refused()
    {
        var result = await RefusedAsync("materialize", "--select", "*", "--tag", "owner");
        Assert.Contains("--tag 'owner' is not key=value", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frob")]
    [InlineData("runs", "--frob")]
    [InlineData("run")]
    [InlineData("materialize")]
    [InlineData]
    public async Task Unknown_commands_and_options_and_missing_arguments_exit_2(params string[] arguments)
    {
        var result = await RefusedAsync(arguments);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_named_with_the_nearest_one()
    {
        var result = await RefusedAsync("rnus");
        Assert.Contains("unknown command 'rnus' (did you mean 'runs'?)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nohost")]
    [InlineData("nohost:")]
    [InlineData("nohost:99999")]
    [InlineData(":30000")]
    [InlineData("a b:30000")]
    public async Task A_gateway_that_is_not_host_port_is_refused(string gateway)
    {
        var result = await RefusedAsync("--gateway", gateway, "runs");
        Assert.Contains($"gateway '{gateway}' is not host:port", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_OA_GATEWAYS_is_refused_naming_the_variable()
    {
        var result = await Oa.RunAsync(new Dictionary<string, string> { ["OA_GATEWAYS"] = "nohost" }, "runs");
        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("OA_GATEWAYS: gateway 'nohost' is not host:port", result.Error, StringComparison.Ordinal);
        Oa.AssertOurWords(result);
    }

    [Fact]
    public async Task Long_input_is_echoed_shortened_once()
    {
        var result = await RefusedAsync("run", new string('x', 10_000));
        Assert.Contains($"'{new string('x', 60)}… (10000 characters)' is not a run id", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 400, $"the message is {result.Error.Length} characters long");
    }

    [Fact]
    public async Task Control_characters_in_input_are_escaped_not_sent_to_the_terminal()
    {
        var result = await RefusedAsync("runs", "--status", "\u001b[31mred\u0007");
        Assert.Contains("'\\u001b[31mred\\u0007' is not a run status", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Error);
        Assert.DoesNotContain('\u0007', result.Error);
    }

    [Fact]
    public async Task Help_is_not_an_error()
    {
        var result = await Oa.RunAsync("runs", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--limit", result.Output, StringComparison.Ordinal);
    }
}
