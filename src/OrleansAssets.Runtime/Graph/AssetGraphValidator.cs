using OrleansAssets.Assets;

namespace OrleansAssets.Graph;

/// <summary>
/// Checks an asset graph the way a silo must before it serves it: unique keys, known dependencies, no cycles.
/// Every problem is reported at once, naming the assets involved.
/// </summary>
public static class AssetGraphValidator
{
    /// <param name="assets">The assets to check.</param>
    /// <param name="externalKeys">Keys declared as owned by another code location (not loaded here); dependencies on them are allowed.</param>
    /// <param name="describe">How to name an asset in a message, for example with its class and method.</param>
    /// <param name="problemsFound">Problems found while reading the definitions (an invalid key), reported with the graph's.</param>
    public static void Validate(IReadOnlyCollection<AssetSpec> assets, IReadOnlySet<string> externalKeys, Func<AssetSpec, string>? describe = null, IEnumerable<string>? problemsFound = null)
    {
        describe ??= a => $"'{a.Key}' (code location '{a.CodeLocation}')";
        var problems = new List<string>(problemsFound ?? []);

        foreach (var duplicate in assets.GroupBy(a => a.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"duplicate asset key '{duplicate.Key}', defined by {string.Join(" and ", duplicate.Select(describe))}");
        }

        // Grain storage reads an all-hex key as a number, case-blind: 'beef' and 'BEEF' would share one row.
        foreach (var alike in assets.Select(a => a.Key).Distinct(StringComparer.Ordinal).GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"asset keys {string.Join(" and ", alike.Select(k => $"'{k}'"))} differ only in case");
        }

        var keys = assets.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var external = assets.Where(a => a.IsExternal).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var asset in assets)
        {
            // An external asset's data lives where its producer put it: no IO manager stored a value to load, so a
            // parameter would fail every run. Refused at load, where the fix (a dep) is one edit away.
            foreach (var input in asset.Inputs.Where(external.Contains))
            {
                problems.Add($"asset {describe(asset)} takes a parameter named after external asset '{input}', which has no stored value (it is produced outside OrleansAssets and only reported); depend on it with Deps = [\"{input}\"] and read its data where its producer writes it");
            }

            foreach (var dependency in asset.Dependencies.Where(d => !keys.Contains(d) && !externalKeys.Contains(d)))
            {
                var how = asset.Inputs.Contains(dependency) ? "takes a parameter named after" : "depends on";
                problems.Add($"asset {describe(asset)} {how} unknown asset key '{dependency}'");
            }

            if (asset.Dependencies.Contains(asset.Key))
            {
                problems.Add($"asset {describe(asset)} depends on itself");
            }
        }

        if (problems.Count == 0)
        {
            foreach (var cycle in FindCycles(OnOrAfterCycles(assets.Where(a => !a.Dependencies.Contains(a.Key)).ToList())))
            {
                problems.Add($"cycle {string.Join(" -> ", cycle)}");
            }
        }

        if (problems.Count > 0)
        {
            throw new AssetGraphException("Invalid asset graph: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>Kahn's algorithm with a sorted ready set, so the order is the same on every silo.</summary>
    public static IReadOnlyList<string> TopologicalOrder(IEnumerable<AssetSpec> assets)
    {
        var specs = assets.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var remaining = specs.Values.ToDictionary(a => a.Key, a => a.Dependencies.Count(specs.ContainsKey), StringComparer.Ordinal);
        var downstream = specs.Values
            .SelectMany(a => a.Dependencies.Where(specs.ContainsKey).Select(u => (u, d: a.Key)))
            .ToLookup(e => e.u, e => e.d, StringComparer.Ordinal);
        var ready = new SortedSet<string>(remaining.Where(r => r.Value == 0).Select(r => r.Key), StringComparer.Ordinal);
        var order = new List<string>(specs.Count);
        while (ready.Count > 0)
        {
            var key = ready.Min!;
            ready.Remove(key);
            order.Add(key);
            foreach (var next in downstream[key])
            {
                if (--remaining[next] == 0)
                {
                    ready.Add(next);
                }
            }
        }

        if (order.Count != specs.Count)
        {
            var cycle = FindCycles(specs.Values.ToList()).FirstOrDefault() ?? [];
            throw new AssetGraphException($"Invalid asset graph: cycle {string.Join(" -> ", cycle)}.");
        }

        return order;
    }

    /// <summary>
    /// The assets that a peel of the roots (Kahn's algorithm, unsorted) cannot order: those on a cycle or after one.
    /// Usually none, which spares the search for cycles a sorted walk of every asset (a tenth of a second at 10,000);
    /// the walk of the rest finds the same cycles, since no ordered asset leads upstream to a cycle.
    /// </summary>
    private static IReadOnlyCollection<AssetSpec> OnOrAfterCycles(IReadOnlyCollection<AssetSpec> assets)
    {
        var specs = assets.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var remaining = new Dictionary<string, int>(specs.Count, StringComparer.Ordinal);
        var downstream = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var ready = new Queue<string>();
        foreach (var asset in specs.Values)
        {
            var count = 0;
            foreach (var upstream in asset.Dependencies.Distinct(StringComparer.Ordinal).Where(specs.ContainsKey))
            {
                count++;
                if (!downstream.TryGetValue(upstream, out var next))
                {
                    downstream[upstream] = next = [];
                }

                next.Add(asset.Key);
            }

            remaining[asset.Key] = count;
            if (count == 0)
            {
                ready.Enqueue(asset.Key);
            }
        }

        while (ready.TryDequeue(out var key))
        {
            remaining.Remove(key);
            foreach (var next in downstream.GetValueOrDefault(key) ?? [])
            {
                if (--remaining[next] == 0)
                {
                    ready.Enqueue(next);
                }
            }
        }

        return [.. remaining.Keys.Select(k => specs[k])];
    }

    /// <summary>Each cycle once, as the path that closes it: <c>a -> b -> c -> a</c>.</summary>
    private static IEnumerable<IReadOnlyList<string>> FindCycles(IReadOnlyCollection<AssetSpec> assets)
    {
        var specs = assets.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string key)
        {
            state[key] = 1;
            path.Add(key);
            foreach (var upstream in specs[key].Dependencies.Where(specs.ContainsKey).Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(upstream) == 1)
                {
                    // Walk the path from the upstream back to here, then report it in dependency order.
                    var start = path.IndexOf(upstream);
                    var loop = path.Skip(start).Reverse().ToList();
                    loop.Insert(0, upstream);
                    cycles.Add(loop);
                }
                else if (state.GetValueOrDefault(upstream) == 0)
                {
                    Visit(upstream);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[key] = 2;
        }

        foreach (var key in specs.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(key) == 0)
            {
                Visit(key);
            }
        }

        return cycles;
    }
}
