using System.Diagnostics;
using OrleansAssets.Automation;
using OrleansAssets.Client;
using OrleansAssets.Runs;

namespace OrleansAssets.Bench;

/// <summary>
/// The end-to-end scenarios, the same in dev mode and on the cluster, driven through the SDK. Times come from the
/// runs' own records (their steps' start and end, their events), not from the polling here. On the cluster,
/// <paramref name="commits"/> reads Postgres' commit counter, so every scenario also gives its commits per step.
/// </summary>
/// <param name="processes">On the cluster, what became of its processes when a scenario failed (one exited, say), for the row.</param>
public sealed class EndToEnd(Sizes sizes, Report report, OrleansAssetsClient client, string mode, int repetitions, bool warmUp, Func<Task<long>>? commits, Func<string?>? processes = null)
{
    private const string Group = "OrleansAssets";

    public double IndependentAssetsPerSecond { get; private set; } = double.NaN;

    public double SingleRunsPerSecond { get; private set; } = double.NaN;

    /// <summary>Scenarios that failed (each is a not-measured row).</summary>
    public int Failures { get; private set; }

    public async Task RunAllAsync()
    {
        await GuardAsync($"{sizes.Independent:N0} independent no-op assets in one run", IndependentAsync);
        await GuardAsync($"{sizes.SingleRuns:N0} single-asset runs through the queue", SingleRunsAsync);
        await GuardAsync($"chain of {sizes.Chain:N0} no-op assets: per-step overhead", ChainAsync);
        await GuardAsync($"{sizes.Layers * sizes.LayerWidth:N0} assets, {sizes.Layers} layers, fan-out/fan-in", LayeredAsync);
        await GuardAsync("run submitted -> first step started", SubmitToFirstStepAsync);
        await GuardAsync("upstream committed -> asset-sensor run created", SensorAsync);
    }

    /// <summary>A scenario that fails is a row saying why, and the others still run.</summary>
    private async Task GuardAsync(string scenario, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e)
        {
            Failures++;
            Console.Error.WriteLine($"bench: {scenario} [{mode}] failed: {e}");
            var why = processes?.Invoke() is { } gone ? $"; {gone}" : "";
            report.Add(Row.NotMeasured(Group, scenario, mode, $"the scenario failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}{why}"));
        }
    }

    private async Task IndependentAsync()
    {
        var n = sizes.Independent;
        var counted = new List<double>();
        var runs = await Harness.RepeatAsync($"{n} independent assets [{mode}]", warmups: warmUp ? 1 : 0, repetitions, async rep =>
        {
            var before = await CommitsAsync(rep);
            var details = await RunToEndAsync("group:independent", TimeSpan.FromMilliseconds(250));
            Check(details, n);
            await CountAsync(rep, before, n, counted);
            var run = details.Run;
            return (Total: (run.EndedAt!.Value - run.CreatedAt).TotalSeconds, Steps: (run.EndedAt!.Value - run.StartedAt!.Value).TotalSeconds);
        });
        IndependentAssetsPerSecond = Harness.Median(runs.Select(r => n / r.Total));
        report.Add(new Row
        {
            Group = Group,
            Scenario = $"{n:N0} independent no-op assets in one run",
            Mode = mode,
            N = n,
            Repetitions = runs.Count,
            Value = IndependentAssetsPerSecond,
            Unit = "assets/s",
            Notes = $"run created -> ended, median of {runs.Count}; runs took {string.Join(", ", runs.Select(r => $"{r.Total:F1} s"))}; started -> ended median {Harness.Median(runs.Select(r => n / r.Steps)):N0} assets/s; target >= 5,000 assets/s on Postgres{CommitNote(counted)}",
        });
        AddCommits($"{n:N0} independent no-op assets in one run", counted);
    }

    /// <summary>
    /// N runs of one asset each, submitted as fast as the SDK takes them (a bounded number in flight, as a busy
    /// client would), measured from the first submit to the last run's end as the runs record it.
    /// </summary>
    private async Task SingleRunsAsync()
    {
        var n = sizes.SingleRuns;
        var keys = Math.Min(sizes.Independent, n);
        var counted = new List<double>();
        var submitRates = new List<double>();
        var results = await Harness.RepeatAsync($"{n} single-asset runs [{mode}]", warmups: warmUp ? 1 : 0, repetitions, async rep =>
        {
            // The warm-up is a tenth of the size: it warms the queue and the run grains' code, not the figure.
            var count = rep < 0 ? Math.Max(1, n / 10) : n;
            var batch = Guid.NewGuid().ToString("N");
            var tags = new Dictionary<string, string> { ["bench/batch"] = batch };
            var before = await CommitsAsync(rep);
            var first = DateTimeOffset.UtcNow;
            var submitting = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = SubmitsInFlight }, async (i, token) =>
                await client.MaterializeAsync($"ind_{i % keys:D5}", tags, token));
            var submitted = submitting.Elapsed.TotalSeconds;
            var runs = await WaitForBatchAsync(batch, count);
            await CountAsync(rep, before, count, counted);
            var failed = runs.Count(r => r.Status != RunStatus.Success);
            if (failed > 0 || runs.Count != count)
            {
                throw new InvalidOperationException($"{runs.Count} of {count} runs found, {failed} did not succeed.");
            }

            var last = runs.Max(r => r.EndedAt!.Value);
            if (rep >= 0)
            {
                submitRates.Add(count / submitted);
            }

            return count / (last - first).TotalSeconds;
        });
        SingleRunsPerSecond = Harness.Median(results);
        report.Add(new Row
        {
            Group = Group,
            Scenario = $"{n:N0} single-asset runs through the queue",
            Mode = mode,
            N = n,
            Repetitions = results.Count,
            Value = SingleRunsPerSecond,
            Unit = "runs/s",
            Notes = $"first submit -> last run ended (its EndedAt), median of {results.Count}: {string.Join(", ", results.Select(r => Report.Format(r)))}; submitted with MaterializeAsync, {SubmitsInFlight} in flight, accepted at {Report.Format(Harness.Median(submitRates))} runs/s; target >= 1,000 runs/s{CommitNote(counted)}",
        });
        AddCommits($"{n:N0} single-asset runs through the queue", counted);
    }

    private const int SubmitsInFlight = 64;

    /// <summary>
    /// How often the one-at-a-time scenarios look at their run. The figures come from the runs' timestamps, not from
    /// this; on the cluster every look is a Postgres read, so it is slower there to keep its load off the measured path.
    /// </summary>
    private TimeSpan FastPoll => commits is null ? TimeSpan.FromMilliseconds(5) : TimeSpan.FromMilliseconds(25);

    /// <summary>Waits until no run of the batch is queued or started, then reads every one of them (pages of 1,000).</summary>
    private async Task<List<RunRecord>> WaitForBatchAsync(string batch, int count)
    {
        var tags = new Dictionary<string, string> { ["bench/batch"] = batch };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        while ((await client.ListRunsAsync(new RunQuery { Tags = tags, Statuses = [RunStatus.Queued, RunStatus.Started], Limit = 1 }, timeout.Token)).Count > 0)
        {
            await Task.Delay(250, timeout.Token);
        }

        var all = new List<RunRecord>(count);
        RunRecord? last = null;
        while (true)
        {
            var page = await client.ListRunsAsync(new RunQuery { Tags = tags, Limit = 1000, CreatedBefore = last?.CreatedAt, Before = last?.RunId }, timeout.Token);
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }

            last = page[^1];
        }
    }

    private async Task ChainAsync()
    {
        var n = sizes.Chain;
        var perStep = new List<double>();
        var perRun = new List<double>();
        var gaps = new List<double>();
        var counted = new List<double>();
        await Harness.RepeatAsync($"chain of {n} [{mode}]", warmups: warmUp ? 1 : 0, repetitions, async rep =>
        {
            var before = await CommitsAsync(rep);
            var details = await RunToEndAsync("group:chain", TimeSpan.FromMilliseconds(100));
            Check(details, n);
            await CountAsync(rep, before, n, counted);
            var steps = details.Steps.OrderBy(s => s.AssetKey, StringComparer.Ordinal).ToList();
            if (rep >= 0)
            {
                // A step's overhead in a chain: from the end of the step before to its own end (its no-op code included).
                for (var i = 1; i < steps.Count; i++)
                {
                    perStep.Add((steps[i].EndedAt!.Value - steps[i - 1].EndedAt!.Value).TotalMilliseconds);
                    gaps.Add((steps[i].StartedAt!.Value - steps[i - 1].EndedAt!.Value).TotalMilliseconds);
                }

                perRun.Add((details.Run.EndedAt!.Value - details.Run.StartedAt!.Value).TotalMilliseconds / n);
            }

            return 0;
        });
        var stats = Stats.Of(perStep);
        var gap = Stats.Of(gaps);
        report.Add(new Row
        {
            Group = Group,
            Scenario = $"chain of {n:N0} no-op assets: per-step overhead",
            Mode = mode,
            N = n,
            Repetitions = perRun.Count,
            Value = Harness.Median(perRun),
            Unit = "ms/step",
            P50 = stats.P50,
            P99 = stats.P99,
            PercentileUnit = "ms",
            Notes = $"figure: run started -> ended / steps (median of reps); p50/p99: previous step's end -> this step's end over {stats.Count:N0} steps; handoff (previous end -> this start) p50 {Report.Format(gap.P50)} ms, p99 {Report.Format(gap.P99)} ms; target p50 < 2 ms{CommitNote(counted)}",
        });
        AddCommits($"chain of {n:N0} no-op assets", counted);
    }

    private async Task LayeredAsync()
    {
        var n = sizes.Layers * sizes.LayerWidth;
        var counted = new List<double>();
        var runs = await Harness.RepeatAsync($"{n} layered assets [{mode}]", warmups: warmUp ? 1 : 0, repetitions, async rep =>
        {
            var before = await CommitsAsync(rep);
            var details = await RunToEndAsync("group:layered", TimeSpan.FromMilliseconds(250));
            Check(details, n);
            await CountAsync(rep, before, n, counted);
            var run = details.Run;
            return (run.EndedAt!.Value - run.CreatedAt).TotalSeconds;
        });
        var rate = Harness.Median(runs.Select(r => n / r));
        report.Add(new Row
        {
            Group = Group,
            Scenario = $"{n:N0} assets, {sizes.Layers} layers of {sizes.LayerWidth}, fan-out/fan-in 3",
            Mode = mode,
            N = n,
            Repetitions = runs.Count,
            Value = rate,
            Unit = "assets/s",
            Notes = $"one run of group layered, run created -> ended, median of {runs.Count}; runs took {string.Join(", ", runs.Select(r => $"{r:F1} s"))}; each asset after the first layer depends on 3 of the layer before{CommitNote(counted)}",
        });
        AddCommits($"{n:N0} assets in {sizes.Layers} layers", counted);
    }

    private async Task SubmitToFirstStepAsync()
    {
        var n = sizes.SubmitRuns;
        var latencies = new List<double>();
        var created = new List<double>();
        var counted = new List<double>();
        await Harness.RepeatAsync($"submit -> first step x{n} [{mode}]", warmups: warmUp ? 10 : 0, 1, async rep =>
        {
            var count = rep < 0 ? 1 : n;
            var before = await CommitsAsync(rep);
            for (var i = 0; i < count; i++)
            {
                var submitted = DateTimeOffset.UtcNow;
                var record = await client.MaterializeAsync("ping");
                var details = await RunToEndAsync(record.RunId, FastPoll);
                var started = details.Events.FirstOrDefault(e => e.Type == RunEventType.StepStarted)
                    ?? throw new InvalidOperationException($"Run {record.RunId} has no stepStarted event.");
                if (rep >= 0)
                {
                    latencies.Add((started.Timestamp - submitted).TotalMilliseconds);
                    created.Add((started.Timestamp - details.Run.CreatedAt).TotalMilliseconds);
                }
            }

            await CountAsync(rep, before, count, counted);
            return 0;
        });
        var stats = Stats.Of(latencies);
        var fromCreated = Stats.Of(created);
        report.Add(Row.Latency(Group, "run submitted -> first step started", mode, n, stats,
            $"one single-asset run at a time, from the SDK call to the stepStarted event's timestamp (same clock); from the run's CreatedAt: p50 {Report.Format(fromCreated.P50)} ms, p99 {Report.Format(fromCreated.P99)} ms; target p50 < 20 ms{CommitNote(counted, $"the bench polls the run every {FastPoll.TotalMilliseconds:F0} ms, included")}"));
        AddCommits("run submitted -> first step started (ping runs)", counted);
    }

    /// <summary>
    /// sensor_upstream materialized by a run of its own; the asset sensor's run of sensor_target is found by the tag
    /// the sensor puts on it (oa/upstream-run). From the materialization record's timestamp (taken as the step's
    /// success is written, so the commit is inside the figure) to that run's CreatedAt.
    /// </summary>
    private async Task SensorAsync()
    {
        var info = await client.GetAutomationAsync(AutomationKind.Sensor, BenchLocation.Sensor);
        if (info.Status != AutomationStatus.Running)
        {
            await client.SetAutomationStatusAsync(AutomationKind.Sensor, BenchLocation.Sensor, AutomationStatus.Running, "the bench");
        }

        var n = sizes.SensorReactions;
        var latencies = new List<double>();
        var counted = new List<double>();
        await Harness.RepeatAsync($"asset-sensor reaction x{n} [{mode}]", warmups: warmUp ? 3 : 0, 1, async rep =>
        {
            var count = rep < 0 ? 1 : n;
            var before = await CommitsAsync(rep);
            for (var i = 0; i < count; i++)
            {
                var upstream = await RunToEndAsync("sensor_upstream", FastPoll);
                Check(upstream, 1);
                var materialization = (await client.ListMaterializationsAsync("sensor_upstream", limit: 1)).Single();
                if (materialization.RunId != upstream.Run.RunId)
                {
                    throw new InvalidOperationException($"The latest sensor_upstream materialization is of run {materialization.RunId}, not {upstream.Run.RunId}.");
                }

                var reaction = await FindSensorRunAsync(upstream.Run.RunId);
                await RunToEndAsync(reaction.RunId, FastPoll);
                if (rep >= 0)
                {
                    latencies.Add((reaction.CreatedAt - materialization.Timestamp).TotalMilliseconds);
                }
            }

            // Two runs per reaction, one step each.
            await CountAsync(rep, before, 2 * count, counted);
            return 0;
        });
        var stats = Stats.Of(latencies);
        report.Add(Row.Latency(Group, "upstream committed -> asset-sensor run created", mode, n, stats,
            $"sensor_upstream's materialization record timestamp -> CreatedAt of the run the asset sensor {BenchLocation.Sensor} made (found by its oa/upstream-run tag), one reaction at a time; target p50 < 50 ms{CommitNote(counted, $"2 steps per reaction; the bench polls every {FastPoll.TotalMilliseconds:F0} ms, included")}"));
        AddCommits("asset-sensor reactions (2 one-step runs each)", counted);
    }

    private async Task<RunRecord> FindSensorRunAsync(Guid upstreamRun)
    {
        var tags = new Dictionary<string, string> { ["oa/upstream-run"] = upstreamRun.ToString() };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if ((await client.ListRunsAsync(new RunQuery { Tags = tags, Limit = 1 })).FirstOrDefault() is { } run)
            {
                return run;
            }

            await Task.Delay(commits is null ? TimeSpan.FromMilliseconds(2) : FastPoll);
        }

        throw new TimeoutException($"The asset sensor made no run for sensor_upstream's run {upstreamRun} within 60 s.");
    }

    private async Task<long> CommitsAsync(int rep) => commits is not null && rep >= 0 ? await commits() : 0;

    private async Task CountAsync(int rep, long before, int steps, List<double> counted)
    {
        if (commits is not null && rep >= 0)
        {
            counted.Add((await commits() - before) / (double)steps);
        }
    }

    private static string CommitNote(List<double> counted, string? extra = null) => counted.Count == 0
        ? ""
        : $"; {Harness.Median(counted):F2} Postgres commits/step ({(extra is null ? "" : extra + "; ")}reads and the cluster's own polling included)";

    private void AddCommits(string scenario, List<double> counted)
    {
        if (commits is null)
        {
            return;
        }

        report.Add(new Row
        {
            Group = "Postgres commits per step",
            Scenario = scenario,
            Mode = mode,
            Repetitions = counted.Count,
            Value = counted.Count == 0 ? null : Harness.Median(counted),
            Unit = "commits/step",
            Notes = counted.Count == 0
                ? "not measured yet: the scenario failed before its counter was read"
                : $"xact_commit of the cluster's database (pg_stat_database) before and after, / steps; every transaction is counted: reads, the queue's and membership's polling, the bench's own polling of runs; target about 1 or less",
        });
    }

    private async Task<RunDetails> RunToEndAsync(string selection, TimeSpan poll)
    {
        var record = await client.MaterializeAsync(selection);
        return await RunToEndAsync(record.RunId, poll);
    }

    /// <summary>Polls the run (without events while it runs) until it ends, then reads it with its first events.</summary>
    private async Task<RunDetails> RunToEndAsync(Guid runId, TimeSpan poll)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        while (true)
        {
            var details = await client.GetRunAsync(runId, long.MaxValue, 0, timeout.Token);
            if (details.Run.IsFinished)
            {
                return await client.GetRunAsync(runId, 0, 100, timeout.Token);
            }

            await Task.Delay(poll, timeout.Token);
        }
    }

    private static void Check(RunDetails details, int steps)
    {
        if (details.Run.Status != RunStatus.Success || details.Steps.Count != steps || details.Steps.Any(s => s.Status != StepStatus.Success))
        {
            throw new InvalidOperationException($"Run {details.Run.RunId} ended {details.Run.Status} with {details.Steps.Count(s => s.Status == StepStatus.Success)}/{steps} steps succeeded: {details.Run.Error}");
        }
    }
}
