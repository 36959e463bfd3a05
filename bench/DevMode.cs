using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using OrleansAssets.Client;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;

namespace OrleansAssets.Bench;

/// <summary>
/// Dev mode: one in-process silo with in-memory storage and the bench location, driven through the SDK. Times come
/// from the run's own records (its steps' start and end, its events), not from the polling here.
/// </summary>
public sealed class DevMode(Sizes sizes, Report report) : IAsyncDisposable
{
    private const string Mode = "dev (1 silo, in-memory)";
    private readonly string _work = Directory.CreateTempSubdirectory("oa-bench-").FullName;
    private InProcessTestCluster? _cluster;
    private OrleansAssetsClient _client = null!;

    public async Task StartAsync()
    {
        var started = Stopwatch.StartNew();
        var builder = new InProcessTestClusterBuilder(1);

        // The test host logs every grain call's placement at Information to ./logs: that is work in the measured path
        // (25 MB in a full run) that a dev-mode silo does not do, so only warnings and errors are kept, on stderr.
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Bench:Independent"] = sizes.Independent.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Bench:Chain"] = sizes.Chain.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            host.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        });
        builder.ConfigureClientHost(host => host.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) => silo
            .UseInMemoryAssetStorage()
            .AddOrleansAssets(options =>
            {
                options.IOManager.Root = Path.Combine(_work, "storage");
                options.AddCodeLocation<BenchLocation>("bench");
            }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _client = new OrleansAssetsClient(_cluster.Client);
        report.Settings["dev.silo"] = "InProcessTestClusterBuilder(1), UseInMemoryAssetStorage, OrleansAssets defaults (MaxConcurrentStepsPerRun 16, MaxConcurrentStepsPerSilo 2 x cores, RunQueue:MaxConcurrentRuns 100); logging: warnings and errors to stderr, no file log";
        report.Settings["dev.location"] = $"bench: {sizes.Independent} independent + a chain of {sizes.Chain} + ping, no-op assets made with AddAsset";
        Console.Error.WriteLine($"bench: dev-mode silo up in {started.Elapsed.TotalSeconds:F1} s");
    }

    public async Task RunAsync()
    {
        await IndependentAsync();
        await ChainAsync();
        await SubmitToFirstStepAsync();
        report.Add(Row.NotMeasured("OrleansAssets", $"{sizes.Independent:N0} single-asset runs through the queue", Mode, "scenario not written yet"));
        report.Add(Row.NotMeasured("OrleansAssets", "10,000 assets, 100 layers, fan-out/fan-in", Mode, "scenario not written yet"));
        report.Add(Row.NotMeasured("OrleansAssets", "upstream committed -> asset-sensor run queued", Mode, "scenario not written yet"));
        report.Add(Row.NotMeasured("OrleansAssets", "/api/v1/lineage, /api/v1/assets latency; RSS", Mode, "scenario not written yet"));
    }

    public double IndependentAssetsPerSecond { get; private set; } = double.NaN;

    private async Task IndependentAsync()
    {
        var n = sizes.Independent;
        var runs = await Harness.RepeatAsync($"{n} independent assets", warmups: 1, sizes.Repetitions, async _ =>
        {
            var details = await RunToEndAsync("group:independent", TimeSpan.FromMilliseconds(250));
            Check(details, n);
            var run = details.Run;
            return (Total: (run.EndedAt!.Value - run.CreatedAt).TotalSeconds, Steps: (run.EndedAt!.Value - run.StartedAt!.Value).TotalSeconds);
        });
        IndependentAssetsPerSecond = Harness.Median(runs.Select(r => n / r.Total));
        report.Add(new Row
        {
            Group = "OrleansAssets",
            Scenario = $"{n:N0} independent no-op assets in one run",
            Mode = Mode,
            N = n,
            Repetitions = runs.Count,
            Value = IndependentAssetsPerSecond,
            Unit = "assets/s",
            Notes = $"run created -> ended, median of {runs.Count}; runs took {string.Join(", ", runs.Select(r => $"{r.Total:F1} s"))}; started -> ended median {Harness.Median(runs.Select(r => n / r.Steps)):N0} assets/s",
        });
    }

    private async Task ChainAsync()
    {
        var n = sizes.Chain;
        var perStep = new List<double>();
        var perRun = new List<double>();
        var gaps = new List<double>();
        await Harness.RepeatAsync($"chain of {n}", warmups: 1, sizes.Repetitions, async rep =>
        {
            var details = await RunToEndAsync("group:chain", TimeSpan.FromMilliseconds(100));
            Check(details, n);
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
            Group = "OrleansAssets",
            Scenario = $"chain of {n:N0} no-op assets: per-step overhead",
            Mode = Mode,
            N = n,
            Repetitions = perRun.Count,
            Value = Harness.Median(perRun),
            Unit = "ms/step",
            P50 = stats.P50,
            P99 = stats.P99,
            PercentileUnit = "ms",
            Notes = $"figure: run started -> ended / steps (median of reps); p50/p99: previous step's end -> this step's end over {stats.Count:N0} steps; handoff (previous end -> this start) p50 {Report.Format(gap.P50)} ms, p99 {Report.Format(gap.P99)} ms",
        });
    }

    private async Task SubmitToFirstStepAsync()
    {
        var n = sizes.SubmitRuns;
        var latencies = new List<double>();
        var created = new List<double>();
        await Harness.RepeatAsync($"submit -> first step x{n}", warmups: 10, n, async rep =>
        {
            var submitted = DateTimeOffset.UtcNow;
            var record = await _client.MaterializeAsync("ping");
            var details = await RunToEndAsync(record.RunId, TimeSpan.FromMilliseconds(5));
            var started = details.Events.FirstOrDefault(e => e.Type == RunEventType.StepStarted)
                ?? throw new InvalidOperationException($"Run {record.RunId} has no stepStarted event.");
            if (rep >= 0)
            {
                latencies.Add((started.Timestamp - submitted).TotalMilliseconds);
                created.Add((started.Timestamp - details.Run.CreatedAt).TotalMilliseconds);
            }

            return 0;
        });
        var stats = Stats.Of(latencies);
        var fromCreated = Stats.Of(created);
        report.Add(new Row
        {
            Group = "OrleansAssets",
            Scenario = "run submitted -> first step started",
            Mode = Mode,
            N = n,
            Repetitions = n,
            Value = stats.P50,
            Unit = "ms (p50)",
            P50 = stats.P50,
            P99 = stats.P99,
            PercentileUnit = "ms",
            Notes = $"one single-asset run at a time, from the SDK call to the stepStarted event's timestamp (same clock); from the run's CreatedAt: p50 {Report.Format(fromCreated.P50)} ms, p99 {Report.Format(fromCreated.P99)} ms",
        });
    }

    private async Task<RunDetails> RunToEndAsync(string selection, TimeSpan poll)
    {
        var record = await _client.MaterializeAsync(selection);
        return await RunToEndAsync(record.RunId, poll);
    }

    /// <summary>Polls the run (without events while it runs) until it ends, then reads it with its first events.</summary>
    private async Task<RunDetails> RunToEndAsync(Guid runId, TimeSpan poll)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        while (true)
        {
            var details = await _client.GetRunAsync(runId, long.MaxValue, 0, timeout.Token);
            if (details.Run.IsFinished)
            {
                return await _client.GetRunAsync(runId, 0, 100, timeout.Token);
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

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }
}
