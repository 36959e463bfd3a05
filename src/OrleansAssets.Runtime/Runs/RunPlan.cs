using OrleansAssets.Assets;
using OrleansAssets.Graph;

namespace OrleansAssets.Runs;

/// <summary>The steps of a run in dependency order, each with the upstream steps of the same run it waits for.</summary>
internal sealed class RunPlan
{
    private RunPlan(IReadOnlyList<PlannedStep> steps)
    {
        Steps = steps;
        ByKey = steps.ToDictionary(s => s.Key, StringComparer.Ordinal);
    }

    public IReadOnlyList<PlannedStep> Steps { get; }

    public IReadOnlyDictionary<string, PlannedStep> ByKey { get; }

    /// <param name="graph">The cluster's graph.</param>
    /// <param name="keys">The selected keys; keys no longer in the graph (a code location dropped them) are reported, not planned.</param>
    public static RunPlan Create(AssetGraph graph, IReadOnlyCollection<string> keys)
    {
        var selected = keys.Where(graph.Contains).ToHashSet(StringComparer.Ordinal);
        var steps = graph.TopologicalOrder
            .Where(selected.Contains)
            .Select(key => new PlannedStep(graph.Get(key), graph.UpstreamOf(key).Where(selected.Contains).ToList()))
            .ToList();
        return new RunPlan(steps);
    }

    /// <summary>Every step downstream of <paramref name="key"/> within the plan, transitively.</summary>
    public IEnumerable<string> DownstreamOf(string key)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var frontier = new Queue<string>([key]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var step in Steps.Where(s => s.UpstreamInRun.Contains(current) && found.Add(s.Key)))
            {
                frontier.Enqueue(step.Key);
            }
        }

        return Steps.Select(s => s.Key).Where(found.Contains);
    }
}

internal sealed record PlannedStep(AssetSpec Spec, IReadOnlyList<string> UpstreamInRun)
{
    public string Key => Spec.Key;
}
