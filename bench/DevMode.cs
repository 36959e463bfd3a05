using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using OrleansAssets.Client;
using OrleansAssets.Hosting;

namespace OrleansAssets.Bench;

/// <summary>Dev mode: one in-process silo with in-memory storage and the bench location (compiled in), driven through the SDK.</summary>
public sealed class DevMode(Sizes sizes, Report report) : IAsyncDisposable
{
    public const string Mode = "dev (1 silo, in-memory)";
    private readonly string _work = Directory.CreateTempSubdirectory("oa-bench-").FullName;
    private InProcessTestCluster? _cluster;
    private OrleansAssetsClient _client = null!;

    public EndToEnd? Scenarios { get; private set; }

    public async Task StartAsync()
    {
        var started = Stopwatch.StartNew();
        var builder = new InProcessTestClusterBuilder(1);

        // The test host logs every grain call's placement at Information to ./logs: that is work in the measured path
        // (25 MB in a full run) that a dev-mode silo does not do, so only warnings and errors are kept, on stderr.
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(sizes.LocationSettings());
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
        var defaults = new OrleansAssetsOptions();
        report.Settings["dev.silo"] = $"InProcessTestClusterBuilder(1), UseInMemoryAssetStorage, OrleansAssets defaults (MaxConcurrentStepsPerRun {defaults.MaxConcurrentStepsPerRun}, MaxConcurrentStepsPerSilo {defaults.MaxConcurrentStepsPerSilo}, RunQueue:MaxConcurrentRuns {defaults.RunQueue.MaxConcurrentRuns}); logging: warnings and errors to stderr, no file log";
        report.Settings["location"] = $"bench (bench/Location, AddAsset no-ops): {sizes.Independent} independent, a chain of {sizes.Chain}, {sizes.Layers} layers x {sizes.LayerWidth} (3 deps each on the layer before), ping, sensor_upstream -> asset sensor {BenchLocation.Sensor} -> sensor_target; compiled into the host in dev mode, loaded from its plugin folder on the cluster";
        Console.Error.WriteLine($"bench: dev-mode silo up in {started.Elapsed.TotalSeconds:F1} s");
    }

    public async Task RunAsync()
    {
        Scenarios = new EndToEnd(sizes, report, _client, Mode, sizes.Repetitions, warmUp: true, commits: null);
        await Scenarios.RunAllAsync();
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
