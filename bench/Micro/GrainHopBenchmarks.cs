using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace OrleansAssets.Bench.Micro;

/// <summary>A bench-only grain whose call does nothing, so a call's time is Orleans' own: one grain hop.</summary>
[Alias("oa.bench.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    ValueTask Ping();
}

public sealed class PingGrain : Grain, IPingGrain
{
    public ValueTask Ping() => ValueTask.CompletedTask;
}

/// <summary>
/// One call from a client to an activated grain of an in-process silo (the test host's in-memory transport, as in
/// bench/DevMode.cs): what every step pays per grain hop, without a network.
/// </summary>
public class GrainHopBenchmarks
{
    private InProcessTestCluster _cluster = null!;
    private IPingGrain _grain = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = new InProcessTestClusterBuilder(1);

        // As in DevMode: the test host would log every call's placement to ./logs, work a silo does not do.
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureClientHost(host => host.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _grain = _cluster.Client.GetGrain<IPingGrain>(0);

        // Activated here, so the benchmark times calls to a live activation, not its creation.
        await _grain.Ping();
    }

    [Benchmark(Description = "grain hop: client -> in-process silo, no-op call")]
    public ValueTask Hop() => _grain.Ping();

    [GlobalCleanup]
    public async Task Cleanup() => await _cluster.DisposeAsync();
}
