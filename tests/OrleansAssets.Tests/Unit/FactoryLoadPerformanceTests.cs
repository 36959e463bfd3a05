using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OrleansAssets.CodeLocations;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;
using OrleansAssets.Selection;
using OrleansAssets.Tests.Cluster;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// How long a silo takes to read, validate and list (the manifest) a code location of 10,000 factory-made assets, and
/// to resolve selections over it. It reports, it does not assert: timings on a shared machine are figures to watch.
/// </summary>
public sealed class FactoryLoadPerformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Loading_the_large_catalog_of_ten_thousand_assets()
    {
        var options = new CodeLocationOptions { Name = "large", Assembly = ClusterFixture.CodeLocationAssembly("LargeCatalog") };
        Measure("LargeCatalog (AddAsset in a loop, loaded from its assembly)", "large", () => CodeLocationRegistry.Load([options], new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void Loading_ten_thousand_assets_made_in_prefixed_groups_by_a_class_method()
    {
        var options = new CodeLocationOptions { Name = "grouped", Definitions = typeof(GroupedFactoryLocation) };
        var registry = Measure("GroupedFactoryLocation (100 AddAssetGroup of 100, prefixed, class method)", "grouped", () => CodeLocationRegistry.Load([options], new ConfigurationBuilder().Build()));

        var assets = registry.Get("grouped").Assets;
        Assert.Equal(10_000, assets.Count);
        Assert.Equal(["core/g042/t030", "core/g042/t031"], assets["core/g042/t040"].Spec.Dependencies);
        Assert.Equal(["core/g041/t090"], assets["core/g042/t000"].Spec.Dependencies);
    }

    private CodeLocationRegistry Measure(string what, string location, Func<CodeLocationRegistry> load)
    {
        // The first load pays for JIT and assembly loading, which a silo pays once; later ones are the steady cost.
        var first = Stopwatch.StartNew();
        var registry = load();
        var manifest = registry.Get(location).Manifest;
        first.Stop();
        // The best of a few rounds, and the process's CPU time besides the wall clock: on a machine shared with
        // other builds the wall clock mostly measures the wait for a core.
        const int rounds = 5;
        var (read, listed, cpu) = (TimeSpan.MaxValue, TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var i = 0; i < rounds; i++)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            registry = load();
            var readTime = clock.Elapsed;
            clock.Restart();
            manifest = registry.Get(location).Manifest;
            var listTime = clock.Elapsed;
            var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            (read, listed, cpu) = (Min(read, readTime), Min(listed, listTime), Min(cpu, cpuTime));
        }

        output.WriteLine($"{what}: {manifest.Assets.Count} assets; first load + manifest {first.Elapsed.TotalMilliseconds:F0} ms; then, best of {rounds}, read+validate {read.TotalMilliseconds:F0} ms and manifest {listed.TotalMilliseconds:F1} ms wall clock, {cpu.TotalMilliseconds:F0} ms of process CPU for both ({Build}, load average {LoadAverage})");

        var graph = new AssetGraph(1, manifest.Assets);
        var someKey = manifest.Assets[manifest.Assets.Count / 2].Key;
        var someGroup = manifest.Assets[manifest.Assets.Count / 2].Group;
        foreach (var selection in new[] { "*", "key:\"*_42*\"", "key:\"*42*\"", "key:\"core/*\"", $"+{someKey}+", $"group:{someGroup}", $"*{someKey}" })
        {
            var parsed = AssetSelection.Parse(selection);
            var keys = parsed.Resolve(graph);
            var clock = Stopwatch.StartNew();
            const int resolves = 20;
            for (var i = 0; i < resolves; i++)
            {
                parsed.Resolve(graph);
            }

            output.WriteLine($"  {selection}: {keys.Count} assets, {clock.Elapsed.TotalMilliseconds / resolves:F2} ms per resolve");
        }

        return registry;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string LoadAverage => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static string Build =>
#if DEBUG
        "Debug build";
#else
        "Release build";
#endif

    /// <summary>10,000 assets in 100 groups, each under its own prefix, materialized by a method of a class; each group's first layer after the last layer of the group before (a whole key), the others after two of their own group's layer before (relative keys).</summary>
    public sealed class GroupedFactoryLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder)
        {
            const int width = 10;
            for (var g = 0; g < 100; g++)
            {
                var groupIndex = g;
                builder.AddAssetGroup($"g{g:D3}", group =>
                {
                    group.KeyPrefix = $"core/g{groupIndex:D3}";
                    for (var i = 0; i < 100; i++)
                    {
                        var (layer, column) = (i / width, i % width);
                        string[] deps = layer > 0
                            ? [$"t{((layer - 1) * width) + column:D3}", $"t{((layer - 1) * width) + ((column + 1) % width):D3}"]
                            : groupIndex > 0 ? [$"core/g{groupIndex - 1:D3}/t{90 + column:D3}"] : [];
                        group.AddAsset<TableMaker>(
                            new AssetSpecification($"t{i:D3}") { Deps = deps, Kinds = ["table"], Owners = ["data-team"], Tags = new Dictionary<string, string> { ["layer"] = $"{layer}" } },
                            (maker, context) => maker.MakeAsync(context));
                    }
                });
            }
        }
    }

    public sealed class TableMaker
    {
        public ValueTask<MaterializeResult> MakeAsync(AssetContext context) => ValueTask.FromResult(new MaterializeResult { Metadata = { ["key"] = context.AssetKey } });
    }
}
