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
    /// <param name="ops">A job's ops, after the assets and ops they depend on in the run.</param>
    public static RunPlan Create(AssetGraph graph, IReadOnlyCollection<string> keys, IReadOnlyCollection<string>? ops = null)
    {
        var selected = keys.Where(graph.Contains).ToHashSet(StringComparer.Ordinal);

        // A multi-asset's selected outputs are one step, run as the first of them (by key, so every activation that
        // plans the run picks the same one): it waits for the upstream of them all, and the others wait for it.
        var outputsOf = selected.Select(graph.Get).Where(s => s.MultiAsset is not null)
            .GroupBy(s => s.MultiAsset!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Key).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var steps = graph.TopologicalOrder
            .Where(selected.Contains)
            .Select(key => Plan(graph, graph.Get(key), selected, outputsOf))
            .ToList();

        // Ops come after every asset they could follow; among themselves, each after the ops it depends on.
        var planned = new HashSet<string>(selected, StringComparer.Ordinal);
        var waiting = (ops ?? []).Where(graph.Ops.ContainsKey).Select(o => graph.Ops[o]).ToList();
        var wanted = waiting.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        while (waiting.Count > 0)
        {
            var ready = waiting.Where(o => o.Dependencies.All(d => planned.Contains(d) || !wanted.Contains(d))).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
            if (ready.Count == 0)
            {
                break;
            }

            foreach (var op in ready)
            {
                steps.Add(new PlannedStep(op, op.Dependencies.Where(planned.Contains).ToList()));
                planned.Add(op.Key);
                waiting.Remove(op);
            }
        }

        return new RunPlan(steps);
    }

    private static PlannedStep Plan(AssetGraph graph, AssetSpec spec, HashSet<string> selected, Dictionary<string, List<string>> outputsOf)
    {
        if (spec.MultiAsset is not { } multi)
        {
            return new PlannedStep(spec, graph.UpstreamOf(spec.Key).Where(selected.Contains).ToList());
        }

        var outputs = outputsOf[multi];
        var lead = outputs[0];
        if (spec.Key != lead)
        {
            return new PlannedStep(spec, [lead]) { Lead = lead };
        }

        var upstream = outputs.SelectMany(o => graph.Get(o).Dependencies).Distinct(StringComparer.Ordinal).ToList();
        return new PlannedStep(spec with { Dependencies = upstream }, upstream.Where(selected.Contains).ToList()) { Outputs = outputs };
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

    /// <summary>Of a multi-asset's step: every selected output, this one first. Empty for a step of one asset.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>This output of a multi-asset is materialized by the step of <see cref="Lead"/>.</summary>
    public string? Lead { get; init; }
}
