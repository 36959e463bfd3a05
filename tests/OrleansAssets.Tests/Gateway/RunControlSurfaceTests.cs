using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansAssets.Runs;
using OrleansAssets.Tests.Cli;
using OrleansAssets.Tests.Cluster;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Gateway;

/// <summary>Retry policies and re-execution through the API and <c>oa --url</c>, as a user without the SDK meets them.</summary>
public sealed class RunControlSurfaceTests(RetryClusterFixture fixture) : IClassFixture<RetryClusterFixture>
{
    private string Url => fixture.BaseAddress.ToString();

    [Fact]
    public async Task The_api_and_oa_show_a_step_s_retry_policy_and_its_retries()
    {
        using var asset = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/v1/assets/flaky"));
        var retry = asset.RootElement.GetProperty("retry");
        Assert.Equal((3, 50.0, true), (retry.GetProperty("maxAttempts").GetInt32(), retry.GetProperty("delayMs").GetDouble(), retry.GetProperty("exponential").GetBoolean()));

        var shown = await Oa.RunAsync("--url", Url, "asset", "flaky");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("retry: up to 3 attempts, exponential backoff from 50 ms", shown.Output);

        var run = await Oa.RunAsync("--url", Url, "materialize", "--select", "flaky", "--wait");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("trying again in 50 ms", run.Output);
    }

    [Fact]
    public async Task Reexecute_from_failure_over_the_api_and_oa_makes_a_child_run_and_names_bad_requests()
    {
        ReexecutionAssets.FailMiddle = true;
        var parent = await fixture.MaterializeAsync("group:reexec");
        Assert.Equal(RunStatus.Failure, parent.Run.Status);
        ReexecutionAssets.FailMiddle = false;

        using (var response = await fixture.Http.PostAsJsonAsync($"/api/v1/runs/{parent.Run.RunId}/reexecute", new { fromFailure = true }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            using var child = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(parent.Run.RunId, child.RootElement.GetProperty("parentRunId").GetGuid());
            Assert.Equal(["reexec_middle", "reexec_sink"], child.RootElement.GetProperty("assetKeys").EnumerateArray().Select(k => k.GetString()!).Order(StringComparer.Ordinal));
            await fixture.WaitAsync(child.RootElement.GetProperty("runId").GetGuid());
        }

        using (var bad = await fixture.Http.PostAsync($"/api/v1/runs/{parent.Run.RunId}/reexecute", new StringContent("{\"fromFailure\": \"yes\"}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("fromFailure must be true or false", await bad.Content.ReadAsStringAsync());
        }

        using (var unknown = await fixture.Http.PostAsJsonAsync($"/api/v1/runs/{Guid.NewGuid()}/reexecute", new { fromFailure = false }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // oa: --wait --json prints the new run as oa materialize --wait --json does, and exits with its outcome.
        ReexecutionAssets.FailMiddle = true;
        var failedAgain = await fixture.MaterializeAsync("group:reexec");
        ReexecutionAssets.FailMiddle = false;
        var cli = await Oa.RunAsync("--url", Url, "reexecute", failedAgain.Run.RunId.ToString(), "--from-failure", "--wait", "--json");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        using var printed = JsonDocument.Parse(cli.Output);
        Assert.Equal("success", printed.RootElement.GetProperty("status").GetString());
        Assert.Equal(failedAgain.Run.RunId, printed.RootElement.GetProperty("parentRunId").GetGuid());

        var nothingFailed = await Oa.RunAsync("--url", Url, "reexecute", printed.RootElement.GetProperty("runId").GetString()!, "--from-failure");
        Assert.True(nothingFailed.ExitCode == 2, nothingFailed.ToString());
        Assert.Contains("nothing to re-execute from failure", nothingFailed.Error);
        var notAnId = await Oa.RunAsync("--url", Url, "reexecute", "not-a-run");
        Assert.Equal(2, notAnId.ExitCode);
    }
}
