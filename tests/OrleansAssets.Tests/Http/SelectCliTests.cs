using System.Text.Json;
using OrleansAssets.Tests.Cli;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// <c>oa assets --select</c> and <c>oa materialize --select</c> on the sales example's dev silo, over the Orleans client
/// and over HTTP: the same answers, lenient about unknown keys when listing (as <c>dagster asset list</c>), strict when materializing.
/// </summary>
[Collection(DevSiloCollection.Name)]
public sealed class SelectCliTests(DevSiloFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("sales_summary", "sales_summary")]
    [InlineData("+sales_summary", "cleaned_sales_data sales_summary")]
    [InlineData("*sales_summary", "raw_sales_data cleaned_sales_data sales_summary")]
    [InlineData("raw_sales_data+*", "raw_sales_data cleaned_sales_data sales_summary")]
    [InlineData("key:\"*sales*\"", "raw_sales_data cleaned_sales_data sales_summary")]
    [InlineData("not key:raw_sales_data", "cleaned_sales_data sales_summary")]
    [InlineData("roots(*)", "raw_sales_data")]
    [InlineData("sinks(group:sales)", "sales_summary")]
    [InlineData("group:sales and key:\"*summary\"", "sales_summary")]
    [InlineData("kind:csv", "raw_sales_data sales_summary")]
    [InlineData("kind:dataframe and not kind:csv", "cleaned_sales_data")]
    [InlineData("owner:data-team and tag:layer=clean", "cleaned_sales_data")]
    [InlineData("group:no_such_group", "")]
    [InlineData("sales_summary,no_such_asset", "sales_summary")]
    public async Task Assets_select_lists_the_selection_over_orleans_and_over_http(string selection, string expected)
    {
        var (http, orleans) = await BothAsync("assets", "--select", selection, "--json");

        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(0, result.ExitCode);
            using var json = JsonDocument.Parse(result.Output);
            var keys = json.RootElement.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("key").GetString()).ToList();
            Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), keys);
        }

        Assert.Equal(orleans.Output, http.Output);
    }

    [Fact]
    public async Task An_unknown_key_is_skipped_with_a_warning_on_stderr()
    {
        var (http, orleans) = await BothAsync("assets", "--select", "sales_summary,sales_sumary_x", "--json");

        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("warning: unknown asset key 'sales_sumary_x' (did you mean 'sales_summary'?); skipped.", result.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("a,", "(at position 1)")]
    [InlineData("tag:a=b=c", "second '='")]
    [InlineData("group:sales and", "the selection ends where a term should be")]
    public async Task A_malformed_selection_exits_2_naming_the_term_and_position(string selection, string message)
    {
        var (http, orleans) = await BothAsync("assets", "--select", selection, "--json");

        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.Equal("", result.Output);
        }
    }

    [Theory]
    [InlineData("sales_summary,no_such_asset", "unknown asset key 'no_such_asset'")]
    [InlineData("group:no_such_group", "selects no assets")]
    [InlineData("a,", "(at position 1)")]
    public async Task Materialize_stays_strict(string selection, string message)
    {
        var (http, orleans) = await BothAsync("materialize", "--select", selection);

        foreach (var result in new[] { http, orleans })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
        }
    }

    private async Task<(OaResult Http, OaResult Orleans)> BothAsync(params string[] command)
    {
        var results = await Task.WhenAll(fixture.OverHttpAsync(command), fixture.OverOrleansAsync(command));
        output.WriteLine($"--url: {results[0]}");
        output.WriteLine($"--gateway: {results[1]}");
        return (results[0], results[1]);
    }
}
