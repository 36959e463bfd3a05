using System.Globalization;
using OrleansAssets.Assets;
using OrleansAssets.Graph;

namespace OrleansAssets.Selection;

/// <summary>
/// Dagster's asset selection syntax (its AssetSelection.g4 grammar, with the legacy clause syntax folded in), parsed
/// once by a hand-written recursive-descent parser and resolved over an <see cref="AssetGraph"/>:
/// <list type="bullet">
/// <item>terms: a bare key (<c>a</c>, <c>a/b</c>), <c>key:a</c> / <c>key:"a*"</c> (with <c>*</c> wildcards),
/// <c>tag:k</c> / <c>tag:k=v</c>, <c>owner:x</c>, <c>group:g</c>, <c>kind:k</c>, <c>code_location:c</c>, <c>*</c>;</item>
/// <item>traversals on any term, a parenthesised expression or a function: <c>+t</c>, <c>2+t</c>, <c>*t</c>,
/// <c>t+</c>, <c>t+3</c>, <c>t*</c>, <c>+t+</c>;</item>
/// <item><c>not</c> binds tighter than <c>and</c>, which binds tighter than <c>or</c> and <c>,</c> (the legacy union);
/// <c>roots(e)</c> and <c>sinks(e)</c>.</item>
/// </list>
/// A '+' with no digits means every level in Dagster's grammar (<c>+key:a</c>), but one level per '+' in its legacy
/// syntax (<c>+a</c>, <c>++a</c>), which Dagster keeps for bare keys; both are kept so that selections written for
/// either read the same here as there.
/// </summary>
public sealed class AssetSelection
{
    private const int AllLevels = int.MaxValue;
    private const int MaxProblemsNamed = 5;
    private const string Forms = "a key, key:name, tag:k=v, owner:x, group:g, kind:k, code_location:c, '*', roots(...), sinks(...) or (...)";
    private readonly Node _root;

    private AssetSelection(string text, Node root)
    {
        Text = text;
        _root = root;
    }

    public string Text { get; }

    /// <exception cref="AssetSelectionException">The text is empty or not valid syntax; the message names the offending term and its character index.</exception>
    public static AssetSelection Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new AssetSelectionException("The selection is empty; use '*' for every asset, or name assets as 'key', 'key+', '*key', 'group:name', 'tag:k=v' or 'kind:k'.");
        }

        return new AssetSelection(text, new Parser(text).ParseWhole());
    }

    /// <summary>The selected keys in the graph's topological order; an unknown bare key is an error.</summary>
    /// <exception cref="AssetSelectionException">A bare key names no asset; the message names the first few (with a suggestion) and counts the rest.</exception>
    public IReadOnlyList<string> Resolve(AssetGraph graph) => Resolve(graph, skipUnknownKeys: false).Keys;

    /// <summary>
    /// The selected keys in the graph's topological order. A group, tag, owner, kind, code location or <c>key:</c>
    /// pattern that matches nothing selects nothing (as in Dagster); an unknown bare key is an error unless
    /// <paramref name="skipUnknownKeys"/>, when it selects nothing and is named in <see cref="SelectionResult.Warnings"/>
    /// (what <c>dagster asset list</c> does).
    /// </summary>
    /// <exception cref="AssetSelectionException">A bare key names no asset and <paramref name="skipUnknownKeys"/> is false.</exception>
    public SelectionResult Resolve(AssetGraph graph, bool skipUnknownKeys)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var context = new Context(graph);
        var selected = _root.Evaluate(context);
        if (context.Unknown.Count > 0 && !skipUnknownKeys)
        {
            // A selection of thousands of unknown keys would otherwise give a message of thousands of problems.
            var problems = context.Unknown;
            var named = problems.Count <= MaxProblemsNamed
                ? string.Join("; ", problems)
                : $"{string.Join("; ", problems.Take(MaxProblemsNamed))}; and {problems.Count - MaxProblemsNamed} more";
            throw new AssetSelectionException($"Bad selection {UserText.Quote(Text)}: {named}.");
        }

        return new SelectionResult(graph.TopologicalOrder.Where(selected.Contains).ToList(), context.Unknown) { Named = context.Named };
    }

    private sealed class Context(AssetGraph graph)
    {
        private HashSet<string>? _all;

        public AssetGraph Graph { get; } = graph;

        /// <summary>Each unknown bare key once, in the order the selection names them.</summary>
        public List<string> Unknown { get; } = [];

        public HashSet<string> All => _all ??= Graph.Assets.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);

        /// <summary>Known bare keys named as themselves, not as the start of a traversal (<c>a</c>, not <c>a+</c>).</summary>
        public List<string> Named { get; } = [];

        /// <summary>Above zero while a traversal's operand is evaluated.</summary>
        public int InTraversal { get; set; }
    }

    private abstract record Node
    {
        public abstract HashSet<string> Evaluate(Context context);
    }

    private sealed record AllNode : Node
    {
        public override HashSet<string> Evaluate(Context context) => new(context.All, StringComparer.Ordinal);
    }

    private sealed record BareKeyNode(string Key) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            if (context.Graph.Contains(Key))
            {
                if (context.InTraversal == 0 && !context.Named.Contains(Key))
                {
                    context.Named.Add(Key);
                }

                return new(StringComparer.Ordinal) { Key };
            }

            var problem = Unmatched(context.Graph);
            if (!context.Unknown.Contains(problem))
            {
                context.Unknown.Add(problem);
            }

            return new(StringComparer.Ordinal);
        }

        private string Unmatched(AssetGraph graph)
        {
            var suggestion = graph.Assets.Select(a => a.Key).MinBy(k => EditDistance.Between(k, Key));
            return suggestion is not null && EditDistance.Between(suggestion, Key) <= Math.Max(2, Key.Length / 3)
                ? $"unknown asset key {UserText.Quote(Key)} (did you mean '{suggestion}'?)"
                : $"unknown asset key {UserText.Quote(Key)}";
        }
    }

    /// <summary>An attribute filter; matching nothing is an empty selection, not an error, as in Dagster.</summary>
    private sealed record FilterNode(Func<AssetSpec, bool> Predicate) : Node
    {
        public override HashSet<string> Evaluate(Context context) =>
            context.Graph.Assets.Where(Predicate).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
    }

    private sealed record NotNode(Node Operand) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            var all = new HashSet<string>(context.All, StringComparer.Ordinal);
            all.ExceptWith(Operand.Evaluate(context));
            return all;
        }
    }

    private sealed record AndNode(Node Left, Node Right) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            var left = Left.Evaluate(context);
            left.IntersectWith(Right.Evaluate(context));
            return left;
        }
    }

    private sealed record OrNode(Node Left, Node Right) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            var left = Left.Evaluate(context);
            left.UnionWith(Right.Evaluate(context));
            return left;
        }
    }

    /// <summary>The operand and what lies <see cref="Up"/> levels upstream and <see cref="Down"/> levels downstream of it.</summary>
    private sealed record TraverseNode(Node Operand, int Up, int Down) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            context.InTraversal++;
            HashSet<string> start;
            try
            {
                start = Operand.Evaluate(context);
            }
            finally
            {
                context.InTraversal--;
            }

            var result = new HashSet<string>(start, StringComparer.Ordinal);
            Walk(start, Up, context.Graph.UpstreamOf, result);
            Walk(start, Down, context.Graph.DownstreamOf, result);
            return result;
        }

        /// <summary>Breadth first from every start key at once, so each asset is visited once per direction however many starts reach it.</summary>
        private static void Walk(HashSet<string> start, int levels, Func<string, IEnumerable<string>> next, HashSet<string> into)
        {
            var seen = new HashSet<string>(start, StringComparer.Ordinal);
            var frontier = start.ToList();
            for (var level = 0; level < levels && frontier.Count > 0; level++)
            {
                frontier = frontier.SelectMany(next).Where(seen.Add).ToList();
                into.UnionWith(frontier);
            }
        }
    }

    /// <summary>
    /// <c>roots(e)</c>: the assets of e with no upstream asset in e; <c>sinks(e)</c>: those with no downstream asset in e
    /// (Dagster resolves them within the selection's own subgraph).
    /// </summary>
    private sealed record EdgeNode(Node Operand, bool Roots) : Node
    {
        public override HashSet<string> Evaluate(Context context)
        {
            var selected = Operand.Evaluate(context);
            return selected
                .Where(k => !(Roots ? context.Graph.UpstreamOf(k) : context.Graph.DownstreamOf(k)).Any(selected.Contains))
                .ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The grammar, loosest first: or-list := and ((or | ',') and)*; and := not (and not)*; not := 'not' not | traversed;
    /// traversed := up? primary down?; primary := '*' | '(' or-list ')' | (roots|sinks) '(' or-list ')' | attr ':' value | key.
    /// Whitespace separates tokens, as in Dagster's lexer; a '*' traversal must touch its term, since a lone '*' is "every asset".
    /// </summary>
    private sealed class Parser(string text)
    {
        private static readonly string[] Unsupported = ["is", "status", "column", "table_name", "column_tag", "changed_in_branch", "partitions", "automation_type", "sensor", "schedule", "job", "not_materialized_in_hours"];
        private int _at;

        public Node ParseWhole()
        {
            var node = ParseOr();
            SkipSpace();
            if (_at < text.Length)
            {
                throw text[_at] == ')'
                    ? Fail(_at, "unmatched ')'")
                    : Fail(_at, $"unexpected {Offending(_at)}; join terms with 'and', 'or' or ','");
            }

            return node;
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (true)
            {
                SkipSpace();
                if (Peek(','))
                {
                    var comma = _at++;
                    SkipSpace();
                    if (_at >= text.Length || Peek(',') || Peek(')'))
                    {
                        throw Fail(comma, "',' with no term after it");
                    }
                }
                else if (!TryKeyword("or"))
                {
                    return left;
                }

                left = new OrNode(left, ParseAnd());
            }
        }

        private Node ParseAnd()
        {
            var left = ParseNot();
            while (true)
            {
                SkipSpace();
                if (!TryKeyword("and"))
                {
                    return left;
                }

                left = new AndNode(left, ParseNot());
            }
        }

        private Node ParseNot()
        {
            SkipSpace();
            return TryKeyword("not") ? new NotNode(ParseNot()) : ParseTraversed();
        }

        private Node ParseTraversed()
        {
            SkipSpace();
            var start = _at;
            if (_at >= text.Length)
            {
                throw Fail(_at, $"the selection ends where a term should be; expected {Forms}");
            }

            // Upstream: '*' (every level, legacy), 'N+' (N levels) or a run of '+' (counted for a bare key, every level otherwise).
            int? up = null;
            var plusRun = 0;
            if (Peek('*') && _at + 1 < text.Length && StartsTerm(text[_at + 1]))
            {
                _at++;
                up = AllLevels;
                while (Peek('+'))
                {
                    _at++;
                }
            }
            else if (char.IsAsciiDigit(Current))
            {
                var digits = ReadWhile(char.IsAsciiDigit);
                SkipSpace();
                if (!Peek('+'))
                {
                    throw Fail(start, $"{UserText.Quote(digits)} is not a term; a number is a traversal depth, as in '{digits}+key:a'");
                }

                _at++;
                up = Depth(digits, start);
            }
            else
            {
                while (Peek('+'))
                {
                    _at++;
                    plusRun++;
                    SkipSpace();
                }
            }

            SkipSpace();
            var termAt = _at;
            var (node, bare) = ParsePrimary();
            if (node is AllNode)
            {
                if (up is not null || plusRun > 0)
                {
                    throw Fail(start, "'*' is every asset already; it takes no traversal");
                }

                return node;
            }

            if (plusRun > 0)
            {
                up = bare ? plusRun : plusRun == 1 ? AllLevels : throw Fail(start, $"a run of '+' counts levels only before a bare key; write '{plusRun}+' before {Offending(termAt)}");
            }

            // Downstream: '*', '+N', or a run of '+' with an optional '*' (legacy 'key+*').
            int? down = null;
            var suffixAt = _at;
            if (Peek('*'))
            {
                _at++;
                down = AllLevels;
            }
            else
            {
                SkipSpace();
                if (Peek('+'))
                {
                    suffixAt = _at;
                    var run = 0;
                    while (Peek('+'))
                    {
                        _at++;
                        run++;
                    }

                    if (Peek('*'))
                    {
                        _at++;
                        down = AllLevels;
                    }
                    else if (char.IsAsciiDigit(Current))
                    {
                        var digitsAt = _at;
                        var digits = ReadWhile(char.IsAsciiDigit);
                        down = run == 1 ? Depth(digits, digitsAt) : throw Fail(suffixAt, $"write '+{digits}', not '{new string('+', run)}{digits}'");
                    }
                    else
                    {
                        down = bare ? run : run == 1 ? AllLevels : throw Fail(suffixAt, $"a run of '+' counts levels only after a bare key; write '+{run}'");
                    }
                }
                else
                {
                    _at = suffixAt;
                }
            }

            return up is null && down is null ? node : new TraverseNode(node, up ?? 0, down ?? 0);
        }

        /// <summary>The term, and whether it is a bare key (whose '+' runs count levels, as in Dagster's legacy syntax).</summary>
        private (Node Node, bool Bare) ParsePrimary()
        {
            var start = _at;
            if (_at >= text.Length)
            {
                throw Fail(_at, $"the selection ends where a term should be; expected {Forms}");
            }

            if (Peek('*'))
            {
                _at++;
                return (new AllNode(), false);
            }

            if (Peek('('))
            {
                _at++;
                var inner = ParseOr();
                SkipSpace();
                return Peek(')') ? (Advance(inner), false) : throw Fail(start, "'(' is never closed");
            }

            if (!char.IsAsciiLetter(Current) && Current != '_')
            {
                throw Fail(_at, $"unexpected {Offending(_at)}; expected {Forms}");
            }

            var word = ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '/');
            if (word is "and" or "AND" or "or" or "OR" or "not" or "NOT")
            {
                throw Fail(start, $"'{word}' needs a term before it");
            }

            var afterWord = _at;
            SkipSpace();
            if (Peek('(') && word is "roots" or "sinks")
            {
                _at++;
                var inner = ParseOr();
                SkipSpace();
                return Peek(')') ? (Advance(new EdgeNode(inner, word == "roots")), false) : throw Fail(start, $"'{word}(' is never closed");
            }

            if (!Peek(':'))
            {
                _at = afterWord;
                return AssetKeys.IsValid(word)
                    ? (new BareKeyNode(word), true)
                    : throw Fail(start, $"{UserText.Quote(word)} is not an asset key; use letters, digits and '_' in segments separated by '/'");
            }

            _at++;
            return (ParseAttribute(word, start), false);
        }

        private Node ParseAttribute(string attribute, int start)
        {
            switch (attribute)
            {
                case "key":
                {
                    var pattern = ReadValue(attribute, start, wildcards: true);
                    return pattern.Contains('*', StringComparison.Ordinal)
                        ? new FilterNode(a => Wildcard.Matches(pattern, a.Key))
                        : new FilterNode(a => a.Key == pattern);
                }

                case "tag":
                {
                    var name = ReadValue(attribute, start, wildcards: false);
                    string? value = null;
                    SkipSpace();
                    if (Peek('='))
                    {
                        _at++;
                        value = ReadValue(attribute, start, wildcards: false);
                        SkipSpace();
                        if (Peek('='))
                        {
                            throw Fail(start, $"{Offending(start)} has a second '='; a tag is tag:key or tag:key=value (quote a value holding '=')");
                        }
                    }

                    return new FilterNode(a => a.Tags.TryGetValue(name, out var v) && (value is null || v == value));
                }

                case "owner":
                {
                    var owner = ReadValue(attribute, start, wildcards: false);
                    return new FilterNode(a => a.Owners.Contains(owner, StringComparer.Ordinal));
                }

                case "group":
                {
                    var group = ReadValue(attribute, start, wildcards: false);
                    return new FilterNode(a => a.Group == group);
                }

                case "kind":
                {
                    var kind = ReadValue(attribute, start, wildcards: false);
                    return new FilterNode(a => a.Kinds.Contains(kind, StringComparer.Ordinal));
                }

                // 'location:' is this project's older spelling of Dagster's 'code_location:', kept so saved selections still work.
                case "code_location" or "location":
                {
                    var location = ReadValue(attribute, start, wildcards: false);
                    return new FilterNode(a => a.CodeLocation == location);
                }

                default:
                    throw Unsupported.Contains(attribute, StringComparer.Ordinal)
                        ? Fail(start, $"'{attribute}:' is Dagster syntax OrleansAssets does not support; use key:, tag:, owner:, group:, kind: or code_location:")
                        : Fail(start, $"{UserText.Quote(attribute + ":")} is not an attribute; use key:, tag:, owner:, group:, kind: or code_location:");
            }
        }

        /// <summary>A quoted value ("anything but a quote"), or an unquoted one: letters, digits, '_', '/', '.', '@', '-' (and '*' for key patterns).</summary>
        private string ReadValue(string attribute, int start, bool wildcards)
        {
            SkipSpace();
            if (Peek('"'))
            {
                var close = text.IndexOf('"', _at + 1);
                if (close < 0)
                {
                    throw Fail(_at, $"the quote of {UserText.Quote(attribute + ":")} is never closed");
                }

                var quoted = text[(_at + 1)..close];
                _at = close + 1;
                return quoted.Length > 0 ? quoted : throw Fail(start, $"'{attribute}:' has an empty value");
            }

            var value = ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '/' or '.' or '@' or '-' || (wildcards && c == '*'));
            return value.Length > 0
                ? value
                : throw Fail(_at, $"'{attribute}:' at position {start} needs a value{(_at < text.Length ? $", not {Offending(_at)}" : "")}");
        }

        private static bool StartsTerm(char c) => char.IsAsciiLetter(c) || c is '_' or '(' or '+';

        private char Current => _at < text.Length ? text[_at] : '\0';

        private bool Peek(char c) => _at < text.Length && text[_at] == c;

        private Node Advance(Node node)
        {
            _at++;
            return node;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private string ReadWhile(Func<char, bool> accept)
        {
            var start = _at;
            while (_at < text.Length && accept(text[_at]))
            {
                _at++;
            }

            return text[start.._at];
        }

        /// <summary>Consumes an operator word when it stands alone (so an asset named 'order' is not 'or' + 'der').</summary>
        private bool TryKeyword(string word)
        {
            if (string.Compare(text, _at, word, 0, word.Length, StringComparison.Ordinal) != 0
                && string.Compare(text, _at, word.ToUpperInvariant(), 0, word.Length, StringComparison.Ordinal) != 0)
            {
                return false;
            }

            var end = _at + word.Length;
            if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '/' or ':'))
            {
                return false;
            }

            _at = end;
            return true;
        }

        private int Depth(string digits, int at) =>
            int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var depth)
                ? depth
                : throw Fail(at, $"{UserText.Quote(digits)} is too deep a traversal");

        /// <summary>The word (or character) at a position, quoted, for an error message.</summary>
        private string Offending(int at)
        {
            if (at >= text.Length)
            {
                return "the end";
            }

            var end = at;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('(' or ')' or ',') || end == at)
            {
                end++;
            }

            return UserText.Quote(text[at..end]);
        }

        private AssetSelectionException Fail(int at, string what) =>
            new($"Bad selection {UserText.Quote(text)}: {what} (at position {at}).");
    }

    /// <summary>Dagster's key wildcards: each '*' stands for any run of characters, '/' included.</summary>
    private static class Wildcard
    {
        public static bool Matches(string pattern, string key)
        {
            var parts = pattern.Split('*');
            if (!key.StartsWith(parts[0], StringComparison.Ordinal))
            {
                return false;
            }

            var at = parts[0].Length;
            for (var i = 1; i < parts.Length - 1; i++)
            {
                var found = key.IndexOf(parts[i], at, StringComparison.Ordinal);
                if (found < 0)
                {
                    return false;
                }

                at = found + parts[i].Length;
            }

            var last = parts[^1];
            return key.Length - at >= last.Length && key.EndsWith(last, StringComparison.Ordinal);
        }
    }
}

/// <summary>What a selection selects, in topological order, and the unknown bare keys it skipped (each with a suggestion when one is close).</summary>
public sealed record SelectionResult(IReadOnlyList<string> Keys, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The known keys the selection names as bare keys outside any traversal (<c>a</c> or <c>a,b</c>, not <c>a+</c>):
    /// what a user asked for by name, so a run can refuse to leave one out silently.
    /// </summary>
    public IReadOnlyList<string> Named { get; init; } = [];
}
