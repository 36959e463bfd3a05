using BenchmarkDotNet.Attributes;
using OrleansAssets.Graph;
using OrleansAssets.Runs;
using OrleansAssets.Selection;

namespace OrleansAssets.Bench.Micro;

// BenchmarkDotNet derives from benchmark classes, so they cannot be sealed.

/// <summary>What a run submission does before any grain call: parse the selection and resolve it over the graph.</summary>
public class SelectionBenchmarks
{
    private AssetGraph _graph = null!;

    [GlobalSetup]
    public void Setup() => _graph = MicroGraph.Create();

    [Benchmark(Description = "selection: parse + resolve '*' (10,000 assets)")]
    public int All() => AssetSelection.Parse("*").Resolve(_graph).Count;

    [Benchmark(Description = "selection: parse + resolve key:\"*_42*\" (1,100 of 10,000)")]
    public int KeyPattern() => AssetSelection.Parse("key:\"*_42*\"").Resolve(_graph).Count;

    [Benchmark(Description = "selection: parse + resolve +a50_42+ (one level each way)")]
    public int OneLevel() => AssetSelection.Parse("+" + MicroGraph.Middle + "+").Resolve(_graph).Count;

    [Benchmark(Description = "selection: parse + resolve +key:a50_42+ (every level each way)")]
    public int AllLevels() => AssetSelection.Parse("+key:" + MicroGraph.Middle + "+").Resolve(_graph).Count;

    [Benchmark(Description = "selection: parse + resolve group:g (1,000 of 10,000)")]
    public int Group() => AssetSelection.Parse("group:g").Resolve(_graph).Count;
}

/// <summary>The run grain's planning of a resolved selection: the steps in order, each with what it waits for.</summary>
public class PlanningBenchmarks
{
    private AssetGraph _graph = null!;
    private IReadOnlyList<string> _all = null!;
    private IReadOnlyList<string> _group = null!;

    [GlobalSetup]
    public void Setup()
    {
        _graph = MicroGraph.Create();
        _all = AssetSelection.Parse("*").Resolve(_graph);
        _group = AssetSelection.Parse("group:g").Resolve(_graph);
    }

    [Benchmark(Description = "planning: RunPlan.Create of 10,000 assets")]
    public int All() => RunPlan.Create(_graph, _all).Steps.Count;

    [Benchmark(Description = "planning: RunPlan.Create of group:g (1,000 assets)")]
    public int Group() => RunPlan.Create(_graph, _group).Steps.Count;
}
