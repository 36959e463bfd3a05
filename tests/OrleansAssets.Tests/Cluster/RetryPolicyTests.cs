using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>The retry location behind a gateway: the SDK, the API and <c>oa --url</c> on one cluster.</summary>
public sealed class RetryClusterFixture : Gateway.GatewayFixture
{
    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) =>
        options.AddCodeLocation<RetryLocation>("retry");

    protected override void ConfigureOptions(OrleansAssetsOptions options)
    {
        options.CancelGracePeriod = TimeSpan.FromMilliseconds(300);
        options.CodeLocationWaitTimeout = TimeSpan.FromSeconds(1);
    }
}

public sealed class RetryPolicyTests(RetryClusterFixture fixture) : IClassFixture<RetryClusterFixture>
{
    [Fact]
    public async Task A_flaky_asset_failing_twice_materializes_once_on_its_third_attempt_and_its_retries_show_in_the_run()
    {
        var details = await fixture.MaterializeAsync("flaky");

        Assert.Equal(RunStatus.Success, details.Run.Status);
        Assert.Equal(3, RetryLocation.CallsOf("flaky", details.Run.RunId));
        var failures = details.Events.Where(e => e.AssetKey == "flaky" && e.Type == RunEventType.StepFailed).ToList();
        Assert.Equal([1, 2], failures.Select(f => f.Attempt!.Value));
        Assert.All(failures, f => Assert.True(f.WillRetry));
        Assert.Equal([50L, 100L], failures.Select(f => f.Metadata!["retry_delay_ms"].IntValue));
        Assert.Contains("the upstream API answered 503 (call 1); failure 1 of 3 allowed, trying again in 50 ms", failures[0].Message);
        Assert.Equal(typeof(HttpRequestException).FullName, failures[0].Error!.Type);
        Assert.Single(details.Events, e => e.AssetKey == "flaky" && e.Type == RunEventType.Materialization);

        var step = Assert.Single(details.Steps);
        Assert.Equal((StepStatus.Success, 3), (step.Status, step.Attempts));
        var latest = (await fixture.Client.GetAssetAsync("flaky")).State.Latest!;
        Assert.Equal((3, 3L), (latest.Attempt, latest.Metadata["attempt"].IntValue));
        Assert.Single(await fixture.Client.ListMaterializationsAsync("flaky"), m => m.RunId == details.Run.RunId);
    }

    [Fact]
    public async Task An_exception_type_the_policy_never_retries_fails_the_step_at_once()
    {
        var details = await fixture.MaterializeAsync("bad_argument");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        Assert.Equal(1, RetryLocation.CallsOf("bad_argument", details.Run.RunId));
        var failed = Assert.Single(details.Events, e => e.Type == RunEventType.StepFailed);
        Assert.False(failed.WillRetry);
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, failed.Error!.Type);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_stops_after_its_attempts_and_fails_with_the_last_error()
    {
        var details = await fixture.MaterializeAsync("always_fails");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        Assert.Equal(2, RetryLocation.CallsOf("always_fails", details.Run.RunId));
        var failures = details.Events.Where(e => e.Type == RunEventType.StepFailed).ToList();
        Assert.Equal([true, false], failures.Select(f => f.WillRetry));
        Assert.Equal((StepStatus.Failure, 2), (details.Steps.Single().Status, details.Steps.Single().Attempts));
        Assert.Contains("still broken", details.Steps.Single().Error!.Message);
    }

    [Fact]
    public async Task The_code_location_s_default_policy_applies_to_assets_without_one_and_a_spec_can_opt_out()
    {
        var retried = await fixture.MaterializeAsync("fails_once_by_default");
        Assert.Equal(RunStatus.Success, retried.Run.Status);
        Assert.Equal(2, RetryLocation.CallsOf("fails_once_by_default", retried.Run.RunId));
        Assert.Equal(2, (await fixture.Client.GetAssetAsync("fails_once_by_default")).Spec.Retry!.MaxAttempts);

        var optedOut = await fixture.MaterializeAsync("never_retried_by_spec");
        Assert.Equal(RunStatus.Failure, optedOut.Run.Status);
        Assert.Equal(1, RetryLocation.CallsOf("never_retried_by_spec", optedOut.Run.RunId));
    }

    [Fact]
    public async Task A_hanging_step_times_out_at_its_maximum_run_time_and_its_run_ends()
    {
        var details = await fixture.MaterializeAsync("hangs");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        var step = details.Steps.Single();
        Assert.Equal(("OrleansAssets.StepTimedOut", StepStatus.Failure), (step.Error!.Type, step.Status));
        // A timeout is a failure like another: the location's default policy (two attempts) tried it once more.
        Assert.Contains("attempt 2 timed out: its code ran longer than its maximum run time of 200 ms", step.Error.Message);
        Assert.Single(details.Events, e => e.Type == RunEventType.StepFailed && e.WillRetry && e.Error!.Type == "OrleansAssets.StepTimedOut");
        Assert.Equal(200, (await fixture.Client.GetAssetAsync("hangs")).Spec.MaxRunTimeMs);
    }

    [Fact]
    public async Task A_step_that_ignores_its_token_after_timing_out_is_abandoned_after_the_grace_period()
    {
        var details = await fixture.MaterializeAsync("ignores_its_token");

        Assert.Equal(RunStatus.Failure, details.Run.Status);
        var error = details.Steps.Single().Error!;
        Assert.Equal("OrleansAssets.StepTimedOut", error.Type);
        Assert.Contains("did not stop within 300 ms of its cancellation token, so it was abandoned", error.Message);
    }
}
