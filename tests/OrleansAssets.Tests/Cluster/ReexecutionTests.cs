using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>Re-execution on the retry location's cluster (its default policy retries once: the middle fails twice per run).</summary>
public sealed class ReexecutionTests(RetryClusterFixture fixture) : IClassFixture<RetryClusterFixture>
{
    [Fact]
    public async Task From_failure_runs_only_the_failed_step_and_its_downstream_reusing_the_parent_s_upstream_value()
    {
        ReexecutionAssets.FailMiddle = true;
        var parent = await fixture.MaterializeAsync("group:reexec");
        Assert.Equal(RunStatus.Failure, parent.Run.Status);
        var steps = parent.Steps.ToDictionary(s => s.AssetKey, s => s.Status);
        Assert.Equal((StepStatus.Success, StepStatus.Failure, StepStatus.Skipped), (steps["reexec_source"], steps["reexec_middle"], steps["reexec_sink"]));
        var sourceValue = (await fixture.Client.GetAssetAsync("reexec_source")).State.Latest!.Metadata["value"].IntValue;

        // Another run materializes the source since: the re-execution must still read the parent's value.
        Assert.Equal(RunStatus.Success, (await fixture.MaterializeAsync("reexec_source")).Run.Status);

        ReexecutionAssets.FailMiddle = false;
        var retried = await fixture.Client.ReexecuteRunAsync(parent.Run.RunId, fromFailure: true, tags: new Dictionary<string, string> { ["why"] = "fixed" });
        var details = await fixture.WaitAsync(retried.RunId);

        Assert.Equal(RunStatus.Success, details.Run.Status);
        Assert.Equal(["reexec_middle", "reexec_sink"], details.Run.AssetKeys.Order(StringComparer.Ordinal));
        Assert.Equal((parent.Run.RunId, parent.Run.RunId), (details.Run.ParentRunId, details.Run.RootRunId));
        Assert.Equal(("from_failure", "fixed"), (details.Run.Tags[RunTags.ReexecutionStrategy], details.Run.Tags["why"]));
        Assert.Equal(0, RetryLocation.CallsOf("reexec_source", retried.RunId));
        Assert.DoesNotContain(details.Events, e => e.Type == RunEventType.Materialization && e.AssetKey == "reexec_source");
        var middle = (await fixture.Client.GetAssetAsync("reexec_middle")).State.Latest!;
        Assert.Equal((sourceValue, parent.Run.RunId), (middle.Metadata["from_source"].IntValue, middle.ConsumedUpstream["reexec_source"]));
        Assert.Equal(sourceValue * 10, (await fixture.Client.GetAssetAsync("reexec_sink")).State.Latest!.Metadata["from_middle"].IntValue);

        // The chain: a re-execution of the re-execution keeps the root, and the runs list finds the chain by it.
        var again = await fixture.WaitAsync((await fixture.Client.ReexecuteRunAsync(retried.RunId)).RunId);
        Assert.Equal((retried.RunId, parent.Run.RunId), (again.Run.ParentRunId, again.Run.RootRunId));
        Assert.Equal(["reexec_middle", "reexec_sink"], again.Run.AssetKeys.Order(StringComparer.Ordinal));
        var chain = await fixture.Client.ListRunsAsync(new RunQuery { Tags = new() { [RunTags.RootRun] = parent.Run.RunId.ToString() } });
        Assert.Equal([again.Run.RunId, retried.RunId], chain.Select(r => r.RunId));
    }

    [Fact]
    public async Task All_steps_runs_every_step_of_the_parent_again_and_bad_requests_are_named()
    {
        ReexecutionAssets.FailMiddle = false;
        var parent = await fixture.MaterializeAsync("group:reexec");
        Assert.Equal(RunStatus.Success, parent.Run.Status);

        var error = await Assert.ThrowsAsync<AssetSelectionException>(() => fixture.Client.ReexecuteRunAsync(parent.Run.RunId, fromFailure: true));
        Assert.Contains("has no failed, canceled or skipped step: nothing to re-execute from failure", error.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => fixture.Client.ReexecuteRunAsync(Guid.NewGuid()));

        var all = await fixture.WaitAsync((await fixture.Client.ReexecuteRunAsync(parent.Run.RunId)).RunId);
        Assert.Equal(RunStatus.Success, all.Run.Status);
        Assert.Equal(3, all.Events.Count(e => e.Type == RunEventType.Materialization));
        Assert.Equal("all", all.Run.Tags[RunTags.ReexecutionStrategy]);
    }
}
