using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Tests.Unit;

/// <summary>The staleness rules the asset grain and the listings share: every reason that holds, each said once.</summary>
public sealed class StaleReasonTests
{
    private static readonly Guid UpRun = Guid.NewGuid();

    private static MaterializationRecord Record(string? codeVersion, Guid? consumed = null, string? consumedCodeVersion = "1", bool legacy = false) => new()
    {
        AssetKey = "down",
        RunId = Guid.NewGuid(),
        Timestamp = DateTimeOffset.UtcNow,
        DataVersion = "d",
        CodeVersion = codeVersion,
        ConsumedUpstream = consumed is { } run ? new() { ["up"] = run } : [],
        UpstreamCodeVersions = consumed is null || legacy ? [] : new() { ["up"] = consumedCodeVersion },
    };

    private static UpstreamFacts Up(string? loaded, Guid? latestRun = null, string? latestCodeVersion = "1") =>
        new("up", loaded, latestRun ?? UpRun, latestCodeVersion);

    [Fact]
    public void An_asset_never_materialized_says_so_and_nothing_else()
    {
        var reasons = AssetStatusRules.Reasons("1", null, [Up("2")]);

        Assert.Equal(["never materialized"], reasons.Select(r => r.Message));
        Assert.Equal(AssetStatus.Never, AssetStatusRules.Derive(null, null, false, reasons));
    }

    [Fact]
    public void An_asset_whose_code_and_upstream_are_as_it_consumed_them_is_materialized()
    {
        var latest = Record("1", UpRun);
        var reasons = AssetStatusRules.Reasons("1", latest, [Up("1")]);

        Assert.Empty(reasons);
        Assert.Equal(AssetStatus.Materialized, AssetStatusRules.Derive(latest, null, false, reasons));
    }

    [Fact]
    public void A_changed_code_version_makes_it_stale_with_both_versions()
    {
        var latest = Record("v1");
        var reason = Assert.Single(AssetStatusRules.Reasons("v2", latest, []));

        Assert.Equal(StaleReasonKind.CodeVersionChanged, reason.Kind);
        Assert.Equal("code version changed (v1 → v2)", reason.Message);
        Assert.Equal(("v1", "v2"), (reason.From, reason.To));
        Assert.Equal(AssetStatus.Stale, AssetStatusRules.Derive(latest, null, false, [reason]));
    }

    [Fact]
    public void A_code_version_added_or_removed_is_a_change_and_none_to_none_is_not()
    {
        Assert.Equal("code version changed (none → 1)", Assert.Single(AssetStatusRules.Reasons("1", Record(null), [])).Message);
        Assert.Equal("code version changed (1 → none)", Assert.Single(AssetStatusRules.Reasons(null, Record("1"), [])).Message);
        Assert.Empty(AssetStatusRules.Reasons(null, Record(null), []));
    }

    [Fact]
    public void An_upstream_whose_code_changed_makes_it_stale_until_it_consumes_the_new_code_output()
    {
        var latest = Record("1", UpRun, consumedCodeVersion: "1");

        // The upstream's code changed, not materialized yet.
        var before = AssetStatusRules.Reasons("1", latest, [Up("2", UpRun, "1")]);
        Assert.Equal(["upstream code version changed: up"], before.Select(r => r.Message));
        Assert.Equal(("up", "1", "2"), (before[0].Upstream, before[0].From, before[0].To));

        // The upstream was materialized with its new code: this asset still consumed the old code's output.
        var after = AssetStatusRules.Reasons("1", latest, [Up("2", Guid.NewGuid(), "2")]);
        Assert.Equal(["upstream code version changed: up", "upstream materialized since: up"], after.Select(r => r.Message));

        // Materialized again, consuming the new output: nothing left.
        var newRun = Guid.NewGuid();
        Assert.Empty(AssetStatusRules.Reasons("1", Record("1", newRun, consumedCodeVersion: "2"), [Up("2", newRun, "2")]));
    }

    [Fact]
    public void Every_reason_that_holds_is_listed_own_code_first_then_upstream_in_key_order()
    {
        var latest = Record("1", UpRun) with
        {
            ConsumedUpstream = new() { ["up"] = UpRun, ["a"] = UpRun },
            UpstreamCodeVersions = new() { ["up"] = "1", ["a"] = "1" },
        };

        var reasons = AssetStatusRules.Reasons("2", latest, [Up("2", Guid.NewGuid()), new UpstreamFacts("a", "1", Guid.NewGuid(), "1")]);

        Assert.Equal(
            ["code version changed (1 → 2)", "upstream code version changed: up", "upstream materialized since: a", "upstream materialized since: up"],
            reasons.Select(r => r.Message));
        Assert.Equal(["a", "up"], AssetStatusRules.UpstreamMaterializedSince(reasons));
    }

    [Fact]
    public void A_record_from_before_code_versions_is_judged_against_the_upstream_latest()
    {
        var latest = Record(null, UpRun, legacy: true);

        Assert.Equal(["upstream code version changed: up"], AssetStatusRules.Reasons(null, latest, [Up("1", UpRun, null)]).Select(r => r.Message));
        Assert.Empty(AssetStatusRules.Reasons(null, latest, [Up("1", UpRun, "1")]));
    }

    [Fact]
    public void An_upstream_never_materialized_nor_consumed_gives_no_reason()
    {
        Assert.Empty(AssetStatusRules.Reasons("1", Record("1"), [new UpstreamFacts("up", "2", null, null)]));
    }

    [Fact]
    public void A_failure_or_a_run_outranks_staleness()
    {
        var latest = Record("1");
        var reasons = AssetStatusRules.Reasons("2", latest, []);
        var failure = new FailureRecord { RunId = Guid.NewGuid(), Timestamp = latest.Timestamp.AddSeconds(1), Error = new StepError { Type = "X", Message = "m" } };

        Assert.Equal(AssetStatus.Failed, AssetStatusRules.Derive(latest, failure, false, reasons));
        Assert.Equal(AssetStatus.Materializing, AssetStatusRules.Derive(latest, null, true, reasons));
    }

    [Fact]
    public void The_code_version_comes_from_the_attribute_or_the_specification_and_a_blank_one_is_none()
    {
        var problems = new List<string>();
        var specs = AssetDefinitionReader.Declare(typeof(VersionedAssets)).Select(d => AssetDefinitionReader.Define(d, "loc", problems)).ToDictionary(d => d.Spec.Key, d => d.Spec);
        Assert.Equal("v2", specs["versioned"].CodeVersion);
        Assert.Null(specs["blank"].CodeVersion);
        Assert.Null(specs["unversioned"].CodeVersion);

        var added = AssetDefinitionReader.Define(CodeAssets.Of(new AssetSpecification("added") { CodeVersion = "3" }, _ => ValueTask.FromResult(new MaterializeResult()), "in code location 'loc'"), "loc", problems);
        Assert.Equal("3", added.Spec.CodeVersion);
        Assert.Empty(problems);
    }

    private sealed class VersionedAssets
    {
        [Asset(CodeVersion = " v2 ")]
        public static MaterializeResult Versioned() => new();

        [Asset(CodeVersion = "  ")]
        public static MaterializeResult Blank() => new();

        [Asset]
        public static MaterializeResult Unversioned() => new();
    }
}
