using OrleansAssets.Assets;
using OrleansAssets.Runs;
using OrleansAssets.Storage;
using static OrleansAssets.Testing.RunStoreTestData;

namespace OrleansAssets.Testing;

/// <summary>
/// The write rules every run store keeps, run against each store (as Orleans tests every reminder table with one
/// base class), so the in-memory store of dev mode and the Postgres store cannot drift apart.
/// </summary>
public abstract class RunStoreConformanceTests
{
    // The runs, records and writes these tests make are in RunStoreTestData.

    /// <summary>A store on fresh, empty storage.</summary>
    protected abstract Task<IRunStore> StoreAsync();

    [Fact]
    public async Task A_materialization_is_recorded_once_per_run_and_asset_and_a_second_one_is_refused_whole()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var record = Materialization(run, "orders");

        var first = await store.AppendAsync(SuccessWrite(record, attempt: 1));
        var second = await store.AppendAsync(SuccessWrite(record with { DataVersion = "other" }, attempt: 2));

        Assert.True(first.Applied);
        Assert.False(second.Applied);
        Assert.Equal("v1", (await store.FindMaterializationAsync(run, "orders"))!.DataVersion);
        var events = await store.GetEventsAsync(run, 0, 100);
        Assert.Single(events, e => e.Type == RunEventType.Materialization);
        Assert.Single(events, e => e.Type == RunEventType.StepSucceeded);
        Assert.Equal(3, events.Single(e => e.Type == RunEventType.Materialization).Metadata!["rows"].IntValue);
        var step = await store.GetStepAsync(run, "orders");
        Assert.Equal(StepStatus.Success, step!.Status);
        Assert.Equal(1, step.Attempts);
    }

    [Fact]
    public async Task A_run_s_events_are_numbered_from_one_without_gaps_even_around_refused_writes()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var other = await CreateRunAsync(store);
        var record = Materialization(run, "orders");

        await store.AppendAsync(new RunWrite(run) { Events = [Event(run, RunEventType.Log, "one")] });
        await store.AppendAsync(SuccessWrite(record, attempt: 1));
        await store.AppendAsync(SuccessWrite(record, attempt: 1));
        await store.AppendAsync(new RunWrite(other) { Events = [Event(other, RunEventType.Log, "elsewhere")] });
        await store.AppendAsync(new RunWrite(run) { Events = [Event(run, RunEventType.Log, "two")] });

        Assert.Equal([1L, 2, 3, 4, 5], (await store.GetEventsAsync(run, 0, 100)).Select(e => e.Sequence));
        Assert.Equal([1L, 2], (await store.GetEventsAsync(other, 0, 100)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_step_moves_through_attempts_and_ends_once()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);

        Assert.True((await store.AppendAsync(Step(run, StepTransition.Started, 1, "silo-a"))).Applied);
        Assert.Equal((StepStatus.Running, 1, "silo-a"), Describe(await store.GetStepAsync(run, "orders")));

        // A stale start (an older attempt) and a loss of an attempt that is not the running one are refused.
        Assert.False((await store.AppendAsync(Step(run, StepTransition.Started, 0, "silo-x"))).Applied);
        Assert.False((await store.AppendAsync(Step(run, StepTransition.AttemptLost, 2))).Applied);

        Assert.True((await store.AppendAsync(Step(run, StepTransition.AttemptLost, 1))).Applied);
        Assert.Equal((StepStatus.Pending, 1, null), Describe(await store.GetStepAsync(run, "orders")));
        Assert.False((await store.AppendAsync(Step(run, StepTransition.AttemptLost, 1))).Applied);

        Assert.True((await store.AppendAsync(Step(run, StepTransition.Started, 2, "silo-b"))).Applied);
        Assert.True((await store.AppendAsync(SuccessWrite(Materialization(run, "orders"), attempt: 2))).Applied);

        // Once ended, nothing moves it: not a late loss, a late start, a second outcome nor a skip.
        Assert.False((await store.AppendAsync(Step(run, StepTransition.AttemptLost, 2))).Applied);
        Assert.False((await store.AppendAsync(Step(run, StepTransition.Started, 3, "silo-c"))).Applied);
        Assert.False((await store.AppendAsync(Step(run, StepTransition.Failed, 2))).Applied);
        Assert.False((await store.AppendAsync(Step(run, StepTransition.Skipped, 0))).Applied);

        var step = await store.GetStepAsync(run, "orders");
        Assert.Equal((StepStatus.Success, 2, "silo-b"), Describe(step));
        Assert.NotNull(step!.StartedAt);
        Assert.NotNull(step.EndedAt);
        var events = await store.GetEventsAsync(run, 0, 100);
        Assert.Single(events, e => e.Type == RunEventType.StepSucceeded);
        Assert.Equal(2, events.Count(e => e.Type == RunEventType.StepStarted));
        Assert.Single(events, e => e.Type == RunEventType.StepFailed);
    }

    [Fact]
    public async Task An_outcome_whose_start_was_never_stored_creates_the_step_whole()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-2);

        var write = SuccessWrite(Materialization(run, "orders"), attempt: 1) with
        {
            Step = new StepWrite("orders", StepTransition.Succeeded, 1) { Timestamp = DateTimeOffset.UtcNow, StartedAt = startedAt, DurationMs = 12.5, Silo = "silo-a" },
        };
        Assert.True((await store.AppendAsync(write)).Applied);

        var step = (await store.GetStepsAsync(run)).Single();
        Assert.Equal((StepStatus.Success, 1, "silo-a"), Describe(step));
        Assert.Equal(12.5, step.DurationMs);
        Assert.Equal(startedAt.ToUnixTimeMilliseconds(), step.StartedAt!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Only_a_step_that_never_started_is_skipped()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);

        Assert.True((await store.AppendAsync(Step(run, StepTransition.Skipped, 0, key: "never"))).Applied);
        await store.AppendAsync(Step(run, StepTransition.Started, 1, "silo-a", key: "running"));
        Assert.False((await store.AppendAsync(Step(run, StepTransition.Skipped, 0, key: "running"))).Applied);

        var steps = (await store.GetStepsAsync(run)).ToDictionary(s => s.AssetKey);
        Assert.Equal(StepStatus.Skipped, steps["never"].Status);
        Assert.Equal(StepStatus.Running, steps["running"].Status);
    }

    [Fact]
    public async Task A_finished_run_stays_finished_and_a_second_finish_is_dropped_with_its_events()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var record = (await store.GetRunAsync(run))!;

        var first = await store.AppendAsync(new RunWrite(run) { Run = record with { Status = RunStatus.Success, EndedAt = DateTimeOffset.UtcNow }, Events = [Event(run, RunEventType.RunSuccess, "done")] });
        var again = await store.AppendAsync(new RunWrite(run) { Run = record with { Status = RunStatus.Failure, EndedAt = DateTimeOffset.UtcNow }, Events = [Event(run, RunEventType.RunFailure, "late")] });
        var reopened = await store.AppendAsync(new RunWrite(run) { Run = record with { Status = RunStatus.Started } });

        Assert.True(first.Applied);
        Assert.False(again.Applied);
        Assert.False(reopened.Applied);
        Assert.Equal(RunStatus.Success, (await store.GetRunAsync(run))!.Status);
        Assert.DoesNotContain(await store.GetEventsAsync(run, 0, 100), e => e.Type == RunEventType.RunFailure);
    }

    [Fact]
    public async Task An_asset_state_is_written_with_the_outcome_and_guarded_by_its_version()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var record = Materialization(run, "orders");

        var first = await store.AppendAsync(SuccessWrite(record, 1) with { AssetState = new AssetStateWrite("orders", null, new AssetGrainState { Latest = record }) });
        var stale = await Assert.ThrowsAsync<AssetStateConflictException>(() => store.AppendAsync(new RunWrite(run)
        {
            AssetState = new AssetStateWrite("orders", null, new AssetGrainState()),
            Events = [Event(run, RunEventType.Log, "lost with the conflict")],
        }));
        var again = await store.AppendAsync(SuccessWrite(record, 1) with { AssetState = new AssetStateWrite("orders", 1, new AssetGrainState()) });

        Assert.Equal(1, first.AssetStateVersion);
        Assert.Contains("'orders'", stale.Message);
        Assert.False(again.Applied);
        Assert.Null(again.AssetStateVersion);
        var stored = await store.GetAssetStateAsync("orders");
        Assert.Equal(1, stored!.Version);
        Assert.Equal(run, stored.State.Latest!.RunId);
        var failure = new FailureRecord { RunId = run, Timestamp = DateTimeOffset.UtcNow, Error = new StepError { Type = "X", Message = "later" } };
        var next = await store.AppendAsync(new RunWrite(run) { AssetState = new AssetStateWrite("orders", 1, new AssetGrainState { Latest = record, LastFailure = failure }) });
        Assert.Equal(2, next.AssetStateVersion);
        Assert.Equal("later", (await store.GetAssetStateAsync("orders"))!.State.LastFailure!.Error.Message);
        Assert.DoesNotContain(await store.GetEventsAsync(run, 0, 100), e => e.Message == "lost with the conflict");
    }

    [Fact]
    public async Task A_reported_materialization_needs_no_run_and_is_recorded_once_with_the_asset_s_state()
    {
        // An external asset's report: its id keys the record as a run's would, and no run row, step or event exists for it.
        var store = await StoreAsync();
        var report = Guid.NewGuid();
        var record = Materialization(report, "partner_feed") with { Reported = true, DataVersion = "d1" };

        var first = await store.AppendAsync(new RunWrite(report) { Materialization = record, AssetState = new AssetStateWrite("partner_feed", null, new AssetGrainState { Latest = record, History = [record] }) });
        var retried = await store.AppendAsync(new RunWrite(report) { Materialization = record with { DataVersion = "d2" }, AssetState = new AssetStateWrite("partner_feed", 1, new AssetGrainState()) });

        Assert.True(first.Applied);
        Assert.Equal(1, first.AssetStateVersion);
        Assert.False(retried.Applied);
        Assert.Equal(1, (await store.GetAssetStateAsync("partner_feed"))!.Version);
        foreach (var read in new[]
        {
            (await store.FindMaterializationAsync(report, "partner_feed"))!,
            (await store.ListMaterializationsAsync("partner_feed", null, 10)).Single(),
            (await store.GetActivityAsync(["partner_feed"]))["partner_feed"].LatestMaterialization!,
            (await store.GetActivityAsync(null, details: false))["partner_feed"].LatestMaterialization!,
        })
        {
            Assert.Equal((report, "d1", true), (read.RunId, read.DataVersion, read.Reported));
        }

        Assert.Null(await store.GetRunAsync(report));
        Assert.Empty(await store.ListRunsAsync(new RunQuery()));
        Assert.Empty(await store.GetEventsAsync(report, 0, 100));
        Assert.Empty(await store.GetStepsAsync(report));

        // A run's record of the same asset reads back as not reported.
        var run = await CreateRunAsync(store);
        await store.AppendAsync(SuccessWrite(Materialization(run, "partner_feed"), 1));
        Assert.False((await store.GetActivityAsync(null, details: false))["partner_feed"].LatestMaterialization!.Reported);
    }

    [Fact]
    public async Task Asset_activity_follows_starts_materializations_failures_and_run_ends()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);

        await store.AppendAsync(Step(run, StepTransition.Started, 1, "silo-a"));
        Assert.Equal(run, (await store.GetActivityAsync(["orders"]))["orders"].RunningIn);

        await store.AppendAsync(SuccessWrite(Materialization(run, "orders"), 1));
        var afterSuccess = (await store.GetActivityAsync(null))["orders"];
        Assert.Null(afterSuccess.RunningIn);
        Assert.Equal(run, afterSuccess.LatestMaterialization!.RunId);

        var later = await CreateRunAsync(store);
        await store.AppendAsync(Step(later, StepTransition.Started, 1, "silo-a"));
        await store.AppendAsync(Step(later, StepTransition.Failed, 1) with
        {
            Step = new StepWrite("orders", StepTransition.Failed, 1) { Timestamp = DateTimeOffset.UtcNow, Error = new StepError { Type = "X", Message = "boom" } },
        });
        var afterFailure = (await store.GetActivityAsync(["orders"]))["orders"];
        Assert.Equal("boom", afterFailure.LatestFailure!.Error.Message);
        Assert.Equal(later, afterFailure.LatestFailure.RunId);
        Assert.Equal(run, afterFailure.LatestMaterialization!.RunId);
        Assert.Null(afterFailure.RunningIn);

        var third = await CreateRunAsync(store);
        await store.AppendAsync(Step(third, StepTransition.Started, 1, "silo-a"));
        var record = (await store.GetRunAsync(third))!;
        await store.AppendAsync(new RunWrite(third) { Run = record with { Status = RunStatus.Failure, EndedAt = DateTimeOffset.UtcNow } });
        Assert.Null((await store.GetActivityAsync(["orders"]))["orders"].RunningIn);
    }

    [Fact]
    public async Task A_materialization_s_code_versions_come_back_from_every_read_of_it()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);
        var upstream = Guid.NewGuid();
        var record = Materialization(run, "orders") with
        {
            CodeVersion = "v2",
            ConsumedUpstream = new() { ["customers"] = upstream, ["legacy"] = upstream },
            UpstreamCodeVersions = new() { ["customers"] = "7", ["legacy"] = null },
        };
        await store.AppendAsync(SuccessWrite(record, 1));

        // The listings read the slim projection of the activity: the staleness rules need these fields from it too.
        foreach (var read in new[]
        {
            (await store.FindMaterializationAsync(run, "orders"))!,
            (await store.ListMaterializationsAsync("orders", null, 10)).Single(),
            (await store.GetActivityAsync(["orders"]))["orders"].LatestMaterialization!,
            (await store.GetActivityAsync(null, details: false))["orders"].LatestMaterialization!,
        })
        {
            Assert.Equal("v2", read.CodeVersion);
            Assert.Equal([("customers", (string?)"7"), ("legacy", null)], read.UpstreamCodeVersions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));
        }

        // A record from before code versions reads as none, with no consumed versions (never a null map).
        var older = await CreateRunAsync(store);
        await store.AppendAsync(SuccessWrite(Materialization(older, "products"), 1));
        var slim = (await store.GetActivityAsync(["products"], details: false))["products"].LatestMaterialization!;
        Assert.Null(slim.CodeVersion);
        Assert.NotNull(slim.UpstreamCodeVersions);
        Assert.Empty(slim.UpstreamCodeVersions);
    }

    [Fact]
    public async Task Runs_are_listed_by_status_newest_first_and_paged_by_time()
    {
        var store = await StoreAsync();
        var older = await CreateRunAsync(store, RunStatus.Success, DateTimeOffset.UtcNow.AddMinutes(-2));
        var newer = await CreateRunAsync(store, RunStatus.Success, DateTimeOffset.UtcNow.AddMinutes(-1));
        var failed = await CreateRunAsync(store, RunStatus.Failure, DateTimeOffset.UtcNow);

        var succeeded = await store.ListRunsAsync(new RunQuery { Statuses = [RunStatus.Success], Limit = 10 });
        var page = await store.ListRunsAsync(new RunQuery { Statuses = [RunStatus.Success], CreatedBefore = succeeded[0].CreatedAt, Limit = 10 });

        Assert.Equal([newer, older], succeeded.Select(r => r.RunId));
        Assert.Equal([older], page.Select(r => r.RunId));
        Assert.Equal(RunStatus.Failure, (await store.GetRunAsync(failed))!.Status);
        Assert.Null(await store.GetRunAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_write_nobody_awaits_is_stored_and_its_task_says_when()
    {
        var store = await StoreAsync();
        var run = await CreateRunAsync(store);

        var result = await store.AppendSoon(new RunWrite(run) { Events = [Event(run, RunEventType.Log, "soon")] });

        Assert.True(result.Applied);
        Assert.Contains(await store.GetEventsAsync(run, 0, 100), e => e.Message == "soon");
    }

    // The automation seam: run keys, ticks, cursors and status.

    [Fact]
    public async Task A_run_key_makes_one_run_and_a_second_run_with_it_is_refused_whole()
    {
        var store = await StoreAsync();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        RunWrite Submit(Guid id) => new(id)
        {
            Run = new RunRecord { RunId = id, Status = RunStatus.Queued, Selection = "*", CreatedAt = DateTimeOffset.UtcNow },
            RunKey = "schedule:daily:2026-12-01T00:00:00Z",
            Tick = new TickWrite("schedule", "daily", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Automation.TickStatus.Started) { RunIds = [id] },
            Events = [Event(id, RunEventType.RunQueued, "queued")],
        };

        Assert.True((await store.AppendAsync(Submit(first))).Applied);
        Assert.False((await store.AppendAsync(Submit(second))).Applied);

        Assert.Equal(first, await store.FindRunByKeyAsync("schedule:daily:2026-12-01T00:00:00Z"));
        Assert.Null(await store.GetRunAsync(second));
        Assert.Empty(await store.GetEventsAsync(second, 0, 10));
        Assert.Equal([first], Assert.Single(await store.ListTicksAsync("schedule", "daily", null, 10)).RunIds);
        Assert.Null(await store.FindRunByKeyAsync("schedule:daily:never"));
    }

    [Fact]
    public async Task Ticks_are_listed_newest_first_and_a_schedule_keeps_its_status_and_cursor()
    {
        var store = await StoreAsync();
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 3; i++)
        {
            await store.AppendAsync(new RunWrite(Guid.Empty)
            {
                Tick = new TickWrite("sensor", "inbox", at.AddMinutes(i), Automation.TickStatus.Skipped) { Message = $"nothing new {i}", Cursor = $"c{i}" },
                Automation = new AutomationWrite("sensor", "inbox") { Cursor = $"c{i}" },
            });
        }

        await store.AppendAsync(new RunWrite(Guid.Empty) { Automation = new AutomationWrite("sensor", "inbox") { Status = Automation.AutomationStatus.Running, StartedAt = at } });

        var ticks = await store.ListTicksAsync("sensor", "inbox", null, 10);
        Assert.Equal(["nothing new 2", "nothing new 1", "nothing new 0"], ticks.Select(t => t.Message));
        Assert.Equal(["nothing new 0"], (await store.ListTicksAsync("sensor", "inbox", ticks[1].At, 10)).Select(t => t.Message));
        var state = await store.GetAutomationStateAsync("sensor", "inbox");
        Assert.Equal((Automation.AutomationStatus.Running, "c2", at), (state!.Status, state.Cursor, state.StartedAt));
        var listed = Assert.Single(await store.ListAutomationAsync("sensor"));
        Assert.Equal(("inbox", "nothing new 2"), (listed.Key, listed.Value.LastTick!.Message));
        Assert.Empty(await store.ListAutomationAsync("schedule"));
    }

    // The queue's seam: the runs not finished.

    [Fact]
    public async Task The_unfinished_runs_are_the_queued_and_started_ones()
    {
        var store = await StoreAsync();
        var queued = await CreateRunAsync(store, RunStatus.Queued);
        var started = await CreateRunAsync(store, RunStatus.Started);
        await CreateRunAsync(store, RunStatus.Success);
        await CreateRunAsync(store, RunStatus.Failure);

        Assert.Equal(new[] { queued, started }.Order(), (await store.GetUnfinishedRunsAsync()).Select(r => r.RunId).Order());
    }

    [Fact]
    public async Task Runs_are_found_by_their_tags_as_a_chain_of_re_executions_is()
    {
        var store = await StoreAsync();
        var root = Guid.NewGuid();
        var child = Guid.NewGuid();
        await store.AppendAsync(new RunWrite(child)
        {
            Run = new RunRecord { RunId = child, Status = RunStatus.Queued, Selection = "*", CreatedAt = DateTimeOffset.UtcNow, Tags = new() { [RunTags.RootRun] = root.ToString(), [RunTags.ParentRun] = root.ToString() } },
            Events = [Event(child, RunEventType.RunQueued, "queued")],
        });
        await CreateRunAsync(store);

        var chain = await store.ListRunsAsync(new RunQuery { Tags = new() { [RunTags.RootRun] = root.ToString() }, Limit = 10 });
        Assert.Equal([child], chain.Select(r => r.RunId));
        Assert.Equal((root, root), (chain[0].ParentRunId, chain[0].RootRunId));
    }
}
