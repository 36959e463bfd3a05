using OrleansAssets.Assets;
using OrleansAssets.Graph;
using OrleansAssets.Selection;

namespace OrleansAssets.Tests.Unit;

public sealed class SelectionTests
{
    // a -> b -> c -> d, and a -> x (group "side", tag kind=aux), in code locations one and two
    private static readonly AssetGraph Graph = new(1,
    [
        Spec("a", []),
        Spec("b", ["a"]),
        Spec("c", ["b"]),
        Spec("d", ["c"], location: "two"),
        Spec("x", ["a"], group: "side", tags: new() { ["kind"] = "aux" }),
    ]);

    [Theory]
    [InlineData("*", "a,b,c,d,x")]
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

    [Fact]
    public void An_unknown_key_is_named_with_a_suggestion()
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("a,no_such_asset").Resolve(Graph));

        Assert.Contains("unknown asset key 'no_such_asset'", error.Message);
        var typo = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("ab+").Resolve(Graph));
        Assert.Contains("did you mean", typo.Message);
    }

    [Theory]
    [InlineData("group:nope", "no asset is in group 'nope'")]
    [InlineData("tag:kind=main", "no asset has tag 'kind=main'")]
    [InlineData("location:three", "code location 'three'")]
    public void Groups_tags_and_locations_that_match_nothing_are_named(string selection, string message)
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection).Resolve(Graph));

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a b")]
    [InlineData("+")]
    [InlineData("a-b")]
    public void Malformed_selections_are_refused(string selection) =>
        Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection).Resolve(Graph));

    private static AssetSpec Spec(string key, List<string> deps, string group = "default", string location = "one", Dictionary<string, string>? tags = null) =>
        new() { Key = key, Dependencies = deps, Group = group, CodeLocation = location, Tags = tags ?? [] };
}
