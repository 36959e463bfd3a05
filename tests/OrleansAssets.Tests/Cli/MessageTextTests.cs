using OrleansAssets.Graph;
using OrleansAssets.Selection;

namespace OrleansAssets.Tests.Cli;

/// <summary>User input inside messages: shortened when long, control characters escaped, at the source and in oa's output.</summary>
public sealed class MessageTextTests
{
    [Fact]
    public void Short_input_is_quoted_as_it_is()
    {
        Assert.Equal("'raw_sales_data'", UserText.Quote("raw_sales_data"));
        Assert.Equal("''", UserText.Quote(null));
    }

    [Fact]
    public void Long_input_keeps_its_first_60_characters_and_says_how_long_it_was()
    {
        var quoted = UserText.Quote(new string('a', 10_000));

        Assert.Equal($"'{new string('a', 60)}… (10000 characters)'", quoted);
    }

    [Fact]
    public void Control_and_reordering_characters_are_escaped()
    {
        Assert.Equal("a\\u001b[31mb\\u0007c\\u000a\\u202ed", UserText.Escape("a\u001b[31mb\u0007c\n\u202ed"));
        Assert.Equal("plain é ✓ text", UserText.Escape("plain é ✓ text"));
    }

    [Fact]
    public void Shortening_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 59) + "😀" + new string('b', 100);

        var shortened = UserText.Shorten(text);

        Assert.StartsWith(new string('a', 59) + "…", shortened, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_bad_selection_is_named_once_and_short_at_the_source()
    {
        var selection = "bad key " + new string('x', 10_000);

        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection));

        Assert.True(error.Message.Length < 300, $"{error.Message.Length} characters");
        Assert.StartsWith("Bad selection 'bad key xxxx", error.Message, StringComparison.Ordinal);
        Assert.Contains("(10008 characters)': unexpected 'key'; join terms with 'and', 'or' or ',' (at position 4).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_term_of_a_longer_selection_is_still_named()
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("a,b c"));

        Assert.Equal("Bad selection 'a,b c': unexpected 'c'; join terms with 'and', 'or' or ',' (at position 4).", error.Message);
    }

    [Fact]
    public void Thousands_of_unknown_keys_are_counted_not_listed()
    {
        var graph = new AssetGraph(1, [new Assets.AssetSpec { Key = "a", CodeLocation = "one" }]);
        var selection = string.Join(',', Enumerable.Range(0, 2000).Select(i => $"missing_{i}"));

        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse(selection).Resolve(graph));

        Assert.Contains("unknown asset key 'missing_4'; and 1995 more.", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void Escape_sequences_in_a_selection_are_escaped_at_the_source()
    {
        var error = Assert.Throws<AssetSelectionException>(() => AssetSelection.Parse("\u001b]0;pwned\u0007"));

        Assert.DoesNotContain('\u001b', error.Message);
        Assert.Contains("\\u001b]0;pwned\\u0007", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oa_shortens_what_a_cluster_of_another_version_still_echoes_whole()
    {
        var input = new string('x', 10_000);
        var old = $"Bad selection '{input}': '{input}' is not an asset key, 'key+', '+key', '*key', 'key*', 'group:name', 'tag:k=v' or '*'.";

        var tidy = OrleansAssets.Cli.Output.Tidy(old);

        Assert.True(tidy.Length < 400, $"{tidy.Length} characters");
        Assert.Equal(2, tidy.Split("… (10000 characters)'").Length - 1);
        Assert.EndsWith("is not an asset key, 'key+', '+key', '*key', 'key*', 'group:name', 'tag:k=v' or '*'.", tidy, StringComparison.Ordinal);
    }

    [Fact]
    public void Oa_leaves_short_quoted_words_and_what_is_already_shortened_alone()
    {
        var message = $"'sucess' is not a run status; use queued, started, success, failure or canceled (did you mean 'success'?); {UserText.Quote(new string('\u001b', 100))}";

        Assert.Equal(message, OrleansAssets.Cli.Output.Tidy(message));
        Assert.Equal("a \\u001b b", OrleansAssets.Cli.Output.Tidy("a \u001b b"));
    }
}
