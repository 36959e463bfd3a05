using OrleansAssets.Assets;
using OrleansAssets.Graph;
using OrleansAssets.Selection;

namespace OrleansAssets.Tests.Unit;

public sealed class SelectionTests
{
    // a -> b -> c -> d, and a -> x (group "side", tag kind=aux), in code locations one and two; p/q stands alone
    private static readonly AssetGraph Graph = new(1,
    [
        Spec("a", [], kinds: ["csv"]),
        Spec("b", ["a"], owners: ["team@x.com"]),
        Spec("c", ["b"], owners: ["team@x.com"]),
        Spec("d", ["c"], location: "two"),
        Spec("x", ["a"], group: "side", tags: new() { ["kind"] = "aux" }, kinds: ["csv"]),
        Spec("p/q", []),
    ]);

    [Theory]
    [InlineData("*", "a,b,c,d,p/q,x")]
    [InlineData("c", "c")]
    [InlineData("b,d", "b,d")]
    [InlineData(" b , d ", "b,d")]
    [InlineData("b+", "b,c")]
    [InlineData("b++", "b,c,d")]
    [InlineData("+c", "b,c")]
    [InlineData("++c", "a,b,c")]
    [InlineData("b*", "b,c,d")]
    [InlineData("*c", "a,b,c")]
    [InlineData("*b*", "a,b,c,d")]
    [InlineData("a+", "a,b,x")]
    [InlineData("group:side", "x")]
    [InlineData("tag:kind=aux", "x")]
    [InlineData("tag:kind", "x")]
    [InlineData("location:two", "d")]
    [InlineData("group:side,d", "d,x")]
    public void Selection_syntax_resolves_in_dependency_order(string selection, string expected)
    {
        var keys = AssetSelection.Parse(selection).Resolve(Graph);

        Assert.Equal(expected.Split(','), keys.Order(StringComparer.Ordinal));
        Assert.Equal(Graph.TopologicalOrder.Where(keys.Contains), keys);
    }

    [Theory]
    // key:, quoting, wildcards and multi-part keys
    [InlineData("key:c", "c")]
    [InlineData("key:\"c\"", "c")]
    [InlineData("key:\"*\"", "a,b,c,d,x,p/q")]
    [InlineData("key:p*", "p/q")]
    [InlineData("key:\"p/*\"", "p/q")]
    [InlineData("p/q", "p/q")]
    [InlineData("key:no_such_asset", "")]
    // attributes: an attribute that matches nothing selects nothing
    [InlineData("owner:team@x.com", "b,c")]
    [InlineData("owner:\"team@x.com\"", "b,c")]
    [InlineData("kind:csv", "a,x")]
    [InlineData("code_location:two", "d")]
    [InlineData("group:nope", "")]
    [InlineData("tag:kind=main", "")]
    [InlineData("kind:nope", "")]
    // traversals on any term: '+' alone is every level except on a bare key, where each '+' is one level (legacy)
    [InlineData("+key:c", "a,b,c")]
    [InlineData("1+key:c", "b,c")]
    [InlineData("key:b+", "b,c,d")]
    [InlineData("key:b+1", "b,c")]
    [InlineData("2+key:d", "b,c,d")]
    [InlineData("1+key:c+1", "b,c,d")]
    [InlineData("+group:side", "a,x")]
    [InlineData("group:side+", "x")]
    [InlineData("*key:c", "a,b,c")]
    [InlineData("key:b*", "b")]
    [InlineData("key:\"b\"*", "b,c,d")]
    [InlineData("+(c or x)", "a,b,c,x")]
    [InlineData("(b)+1", "b,c")]
    [InlineData("2+c", "a,b,c")]
    [InlineData("c+*", "c,d")]
    [InlineData("b+*", "b,c,d")]
    [InlineData("*+c", "a,b,c")]
    // operators: not > and > or (and ',')
    [InlineData("not key:a", "b,c,d,x,p/q")]
    [InlineData("NOT group:default", "x")]
    [InlineData("a or x", "a,x")]
    [InlineData("a OR x", "a,x")]
    [InlineData("*b* and not d", "a,b,c")]
    [InlineData("not a and not x and not p/q", "b,c,d")]
    [InlineData("not (a or x)", "b,c,d,p/q")]
    [InlineData("a or b and c", "a")]
    [InlineData("(a or b) and b", "b")]
    [InlineData("a, b or c", "a,b,c")]
    [InlineData("group:side,d", "d,x")]
    // functions, resolved within the selection's own subgraph
    [InlineData("roots(*)", "a,p/q")]
    [InlineData("sinks(*)", "d,x,p/q")]
    [InlineData("sinks(b or c)", "c")]
    [InlineData("roots(key:b+)", "b")]
    [InlineData("+sinks(group:default)", "a,b,c,d,p/q")]
    public void The_whole_grammar_resolves(string selection, string expected)
    {
        var keys = AssetSelection.Parse(selection).Resolve(Graph);

        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    // Dagster's documented examples (docs/docs/guides/build/assets/asset-selection-syntax/examples.md and reference.md in
    // dagster-io/dagster), run on a small graph shaped like the ExampleCo lineage those pages draw:
    //   raw_data_a, raw_data_b, raw_data_c (group sensitive_data; raw_data_c kind s3) -> combo_a_b_c_data -> summary_stats_1
    //   raw_data_b -> summary_stats_2;  combo_a_b_c_data -> a_b_c_for_sales (group public_data, kind csv, owner team:sales)
    //   raw_data_b, raw_data_c -> b_c_for_sales (group public_data, owner nora.dagster@example.com, tag customer_data)
    //   my_prefix/raw_data_a (kind csv, tag private) -> a_b_c_for_sales;  a_b_c_for_sales -> public_report (tag public)
    private static readonly AssetGraph ExampleCo = new(1,
    [
        Spec("raw_data_a", [], group: "sensitive_data"),
        Spec("raw_data_b", [], group: "sensitive_data", tags: new() { ["private"] = "" }),
        Spec("raw_data_c", [], group: "sensitive_data", kinds: ["s3"]),
        Spec("my_prefix/raw_data_a", [], kinds: ["csv"], tags: new() { ["private"] = "" }),
        Spec("combo_a_b_c_data", ["raw_data_a", "raw_data_b", "raw_data_c"]),
        Spec("summary_stats_1", ["combo_a_b_c_data"]),
        Spec("summary_stats_2", ["raw_data_b"], kinds: ["csv"]),
        Spec("a_b_c_for_sales", ["combo_a_b_c_data", "my_prefix/raw_data_a"], group: "public_data", kinds: ["csv"], owners: ["team:sales"]),
        Spec("b_c_for_sales", ["raw_data_b", "raw_data_c"], group: "public_data", owners: ["nora.dagster@example.com"], tags: new() { ["customer_data"] = "" }),
        Spec("public_report", ["a_b_c_for_sales"], tags: new() { ["public"] = "" }),
    ]);

    [Theory]
    [InlineData("examples: path between two assets", "key:\"raw_data_b\"+ and +key:\"summary_stats_2\"", "raw_data_b,summary_stats_2")]
    [InlineData("examples: path between two sets", "(key:\"raw_data_a\" or key:\"raw_data_b\")+ and +(key:\"a_b_c_for_sales\" or key:\"b_c_for_sales\")", "a_b_c_for_sales,b_c_for_sales,combo_a_b_c_data,raw_data_a,raw_data_b")]
    [InlineData("examples: path between two sets by tag", "tag:\"private\"+ and +tag:\"public\"", "a_b_c_for_sales,combo_a_b_c_data,my_prefix/raw_data_a,public_report,raw_data_b")]
    [InlineData("examples: path between two groups", "group:\"sensitive_data\"+ and +group:\"public_data\"", "a_b_c_for_sales,b_c_for_sales,combo_a_b_c_data,raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("examples: through a middle asset", "key:\"raw_data_c\"+ and +key:\"combo_a_b_c_data\"+ and +key:\"summary_stats_1\"", "combo_a_b_c_data,raw_data_c,summary_stats_1")]
    [InlineData("examples: multiple key components", "key:\"my_prefix/raw_data_a\"", "my_prefix/raw_data_a")]
    [InlineData("examples: or", "key:\"summary_stats_1\" or key:\"summary_stats_2\"", "summary_stats_1,summary_stats_2")]
    [InlineData("examples: downstream with a filter", "key:\"combo_a_b_c_data\"+ and kind:\"csv\"", "a_b_c_for_sales")]
    [InlineData("examples: without a tag", "owner:\"nora.dagster@example.com\" and not tag:\"customer_data\"", "")]
    [InlineData("examples: parentheses or group", "(owner:\"team:sales\" and kind:\"csv\") or group:\"public_data\"", "a_b_c_for_sales,b_c_for_sales")]
    [InlineData("examples: not a parenthesised group, key wildcard", "not (kind:\"s3\" or kind:\"csv\") and key:\"raw*\"", "raw_data_a,raw_data_b")]
    [InlineData("examples: roots within a group", "roots(group:\"public_data\")", "a_b_c_for_sales,b_c_for_sales")]
    [InlineData("examples: sinks within a group", "sinks(group:\"public_data\")", "a_b_c_for_sales,b_c_for_sales")]
    [InlineData("examples: roots feeding a group", "roots(+group:\"public_data\")", "my_prefix/raw_data_a,raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("examples: sinks depending on a group", "sinks(group:\"public_data\"+)", "b_c_for_sales,public_report")]
    [InlineData("reference: entire graph", "*", "a_b_c_for_sales,b_c_for_sales,combo_a_b_c_data,my_prefix/raw_data_a,public_report,raw_data_a,raw_data_b,raw_data_c,summary_stats_1,summary_stats_2")]
    [InlineData("reference: key with one wildcard", "key:\"summary_*\"", "summary_stats_1,summary_stats_2")]
    [InlineData("reference: key with several wildcards", "key:\"raw_*_*\"", "raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("reference: tag (exact)", "tag:\"public\"", "public_report")]
    [InlineData("reference: one layer upstream", "1+key:\"combo_a_b_c_data\"", "combo_a_b_c_data,raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("reference: two layers downstream", "key:\"raw_data_c\"+2", "a_b_c_for_sales,b_c_for_sales,combo_a_b_c_data,raw_data_c,summary_stats_1")]
    [InlineData("reference: all layers up and down", "+key:\"a_b_c_for_sales\"+", "a_b_c_for_sales,combo_a_b_c_data,my_prefix/raw_data_a,public_report,raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("reference: sinks(*)", "sinks(*)", "b_c_for_sales,public_report,summary_stats_1,summary_stats_2")]
    [InlineData("reference: roots(*)", "roots(*)", "my_prefix/raw_data_a,raw_data_a,raw_data_b,raw_data_c")]
    [InlineData("legacy (dagster asset list --select): comma list", "raw_data_a,summary_stats_2", "raw_data_a,summary_stats_2")]
    [InlineData("legacy: one '+' is one level", "+summary_stats_1", "combo_a_b_c_data,summary_stats_1")]
    [InlineData("legacy: '*' upstream", "*summary_stats_1", "combo_a_b_c_data,raw_data_a,raw_data_b,raw_data_c,summary_stats_1")]
    public void Dagsters_documented_examples_resolve_as_documented(string source, string selection, string expected)
    {
        var keys = AssetSelection.Parse(selection).Resolve(ExampleCo);

        Assert.True(
            expected.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).SequenceEqual(keys.Order(StringComparer.Ordinal)),
            $"{source}: {selection} gave {string.Join(",", keys.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void An_unknown_bare_key_is_named_with_a_suggestion()
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("a,no_such_asset").Resolve(Graph));

        Assert.Contains("unknown asset key 'no_such_asset'", error.Message);
        var typo = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("ab+").Resolve(Graph));
        Assert.Contains("did you mean 'a'", typo.Message);
        var nested = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("group:side and not (c or dd)").Resolve(Graph));
        Assert.Contains("unknown asset key 'dd' (did you mean", nested.Message);
    }

    [Fact]
    public void Skipping_unknown_keys_selects_the_rest_and_warns()
    {
        var result = AssetSelection.Parse("c,no_such_asset,ab").Resolve(Graph, skipUnknownKeys: true);

        Assert.Equal(["c"], result.Keys);
        Assert.Equal(2, result.Warnings.Count);
        Assert.Contains("unknown asset key 'no_such_asset'", result.Warnings[0]);
        Assert.Contains("did you mean 'a'", result.Warnings[1]);
    }

    [Theory]
    [InlineData("a,", "',' with no term after it (at position 1)")]
    [InlineData("a,,b", "',' with no term after it (at position 1)")]
    [InlineData("a b", "unexpected 'b'; join terms with 'and', 'or' or ',' (at position 2)")]
    [InlineData("tag:a=b=c", "'tag:a=b=c' has a second '='")]
    [InlineData("x or tag:a=b=c", "(at position 5)")]
    [InlineData("+", "the selection ends where a term should be")]
    [InlineData("a-b", "unexpected '-b'")]
    [InlineData("(a or b", "'(' is never closed (at position 0)")]
    [InlineData("a)", "unmatched ')' (at position 1)")]
    [InlineData("roots(a", "'roots(' is never closed")]
    [InlineData("group:", "'group:' at position 0 needs a value")]
    [InlineData("key:\"a", "the quote of 'key:' is never closed (at position 4)")]
    [InlineData("colour:red", "'colour:' is not an attribute")]
    [InlineData("status:healthy", "'status:' is Dagster syntax OrleansAssets does not support")]
    [InlineData("a and", "the selection ends where a term should be")]
    [InlineData("and a", "'and' needs a term before it (at position 0)")]
    [InlineData("++group:g", "write '2+'")]
    [InlineData("3 key:a", "'3' is not a term")]
    [InlineData("*+*", "'*' is every asset already")]
    public void Malformed_selections_name_the_term_and_its_position(string selection, string message)
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Bad selection '{selection}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_selections_are_refused(string selection) =>
        Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection));

    [Fact]
    public void Operator_words_inside_keys_are_keys()
    {
        var graph = new AssetGraph(1, [Spec("orders", []), Spec("notes", ["orders"]), Spec("android", [])]);

        Assert.Equal(["orders", "notes"], AssetSelection.Parse("orders or notes").Resolve(graph));
        Assert.Equal(["android"], AssetSelection.Parse("not orders and not notes").Resolve(graph));
    }

    private static AssetSpec Spec(string key, List<string> deps, string group = "default", string location = "one", Dictionary<string, string>? tags = null, List<string>? kinds = null, List<string>? owners = null) =>
        new() { Key = key, Dependencies = deps, Group = group, CodeLocation = location, Tags = tags ?? [], Kinds = kinds ?? [], Owners = owners ?? [] };
}
