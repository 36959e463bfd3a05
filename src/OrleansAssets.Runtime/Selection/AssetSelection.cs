using OrleansAssets.Graph;

namespace OrleansAssets.Selection;

/// <summary>
/// Dagster's asset selection syntax: <c>*</c> (everything), <c>key</c>, <c>a,b</c> (union), <c>+key</c> and
/// <c>key+</c> (one level of upstream or downstream per '+'), <c>*key</c> and <c>key*</c> (all the way),
/// <c>group:name</c>, <c>tag:k=v</c> (or <c>tag:k</c>), and <c>location:name</c> for one code location.
/// </summary>
public sealed class AssetSelection
{
    private const int AllLevels = int.MaxValue;
    private const int MaxProblemsNamed = 5;
    private const string TermForms = "an asset key, 'key+', '+key', '*key', 'key*', 'group:name', 'tag:k=v' or '*'";
    private readonly IReadOnlyList<Term> _terms;

    private AssetSelection(string text, IReadOnlyList<Term> terms)
    {
        Text = text;
        _terms = terms;
    }

    public string Text { get; }

    /// <exception cref="AssetSelectionException">The text is empty or a term is not valid syntax.</exception>
    public static AssetSelection Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new AssetSelectionException("The selection is empty; use '*' for every asset, or name assets as 'key', 'key+', '*key', 'group:name' or 'tag:k=v'.");
        }

        var terms = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => ParseTerm(t, text)).ToList();
        return terms.Count == 0
            ? throw new AssetSelectionException($"The selection {UserText.Quote(text)} names nothing.")
            : new AssetSelection(text, terms);
    }

    /// <summary>The selected keys in the graph's topological order.</summary>
    /// <exception cref="AssetSelectionException">A key, group, tag or code location matches no asset; the message names the first few and counts the rest.</exception>
    public IReadOnlyList<string> Resolve(AssetGraph graph)
    {
        var selected = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var term in _terms)
        {
            var matched = term.Match(graph).ToList();
            if (matched.Count == 0)
            {
                problems.Add(term.Unmatched(graph));
                continue;
            }

            foreach (var key in matched)
            {
                selected.Add(key);
            }
        }

        if (problems.Count > 0)
        {
            // A selection of thousands of unknown keys would otherwise give a message of thousands of problems.
            var named = problems.Count <= MaxProblemsNamed
                ? string.Join("; ", problems)
                : $"{string.Join("; ", problems.Take(MaxProblemsNamed))}; and {problems.Count - MaxProblemsNamed} more";
            throw new AssetSelectionException($"Bad selection {UserText.Quote(Text)}: {named}.");
        }

        return graph.TopologicalOrder.Where(selected.Contains).ToList();
    }

    private static Term ParseTerm(string term, string whole)
    {
        if (term == "*")
        {
            return new AllTerm();
        }

        if (TryPrefixed(term, "group:", out var group))
        {
            return new AttributeTerm($"group {UserText.Quote(group)}", a => a.Group == group, "no asset is in");
        }

        if (TryPrefixed(term, "tag:", out var tag))
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? tag : tag[..equals];
            var value = equals < 0 ? null : tag[(equals + 1)..];
            return new AttributeTerm(
                $"tag {UserText.Quote(tag)}",
                a => a.Tags.TryGetValue(name, out var v) && (value is null || v == value),
                "no asset has");
        }

        if (TryPrefixed(term, "location:", out var location) || TryPrefixed(term, "code_location:", out location))
        {
            return new AttributeTerm($"code location {UserText.Quote(location)}", a => a.CodeLocation == location, "no asset belongs to");
        }

        var (up, rest) = Levels(term, fromStart: true);
        var (down, key) = Levels(rest, fromStart: false);
        if (!AssetKeys.IsValid(key))
        {
            throw new AssetSelectionException(whole == term
                ? $"Bad selection {UserText.Quote(term)}: it is not {TermForms}."
                : $"Bad selection {UserText.Quote(whole)}: {UserText.Quote(term)} is not {TermForms}.");
        }

        return new KeyTerm(key, up, down);
    }

    private static bool TryPrefixed(string term, string prefix, out string value)
    {
        if (term.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && term.Length > prefix.Length)
        {
            value = term[prefix.Length..].Trim();
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Reads leading (or trailing) '+'s or one '*' off a key term.</summary>
    private static (int Count, string Remainder) Levels(string term, bool fromStart)
    {
        var edge = fromStart ? 0 : term.Length - 1;
        if (term.Length > 1 && term[edge] == '*')
        {
            return (AllLevels, fromStart ? term[1..] : term[..^1]);
        }

        var count = 0;
        while (count < term.Length && term[fromStart ? count : term.Length - 1 - count] == '+')
        {
            count++;
        }

        return (count, fromStart ? term[count..] : term[..^count]);
    }

    private abstract record Term
    {
        public abstract IEnumerable<string> Match(AssetGraph graph);

        public abstract string Unmatched(AssetGraph graph);
    }

    private sealed record AllTerm : Term
    {
        public override IEnumerable<string> Match(AssetGraph graph) => graph.Assets.Select(a => a.Key);

        public override string Unmatched(AssetGraph graph) => "the cluster has no assets yet (is a silo with a code location up?)";
    }

    private sealed record AttributeTerm(string Describe, Func<Assets.AssetSpec, bool> Predicate, string NoneMessage) : Term
    {
        public override IEnumerable<string> Match(AssetGraph graph) => graph.Assets.Where(Predicate).Select(a => a.Key);

        public override string Unmatched(AssetGraph graph) => $"{NoneMessage} {Describe}";
    }

    private sealed record KeyTerm(string Key, int Upstream, int Downstream) : Term
    {
        public override IEnumerable<string> Match(AssetGraph graph)
        {
            if (!graph.Contains(Key))
            {
                return [];
            }

            var keys = new HashSet<string>(StringComparer.Ordinal) { Key };
            Walk(graph, Key, Upstream, graph.UpstreamOf, keys);
            Walk(graph, Key, Downstream, graph.DownstreamOf, keys);
            return keys;
        }

        public override string Unmatched(AssetGraph graph)
        {
            var suggestion = graph.Assets.Select(a => a.Key).MinBy(k => EditDistance.Between(k, Key));
            return suggestion is not null && EditDistance.Between(suggestion, Key) <= Math.Max(2, Key.Length / 3)
                ? $"unknown asset key {UserText.Quote(Key)} (did you mean '{suggestion}'?)"
                : $"unknown asset key {UserText.Quote(Key)}";
        }

        private static void Walk(AssetGraph graph, string start, int levels, Func<string, IEnumerable<string>> next, HashSet<string> into)
        {
            var frontier = new List<string> { start };
            for (var level = 0; level < levels && frontier.Count > 0; level++)
            {
                frontier = frontier.SelectMany(next).Where(into.Add).ToList();
            }
        }
    }
}
