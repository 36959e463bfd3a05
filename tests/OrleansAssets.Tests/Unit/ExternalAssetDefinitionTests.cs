using Microsoft.Extensions.Configuration;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Unit;

/// <summary>Declaring external assets: what the catalog's spec says of them, and the graph problems named at load.</summary>
public sealed class ExternalAssetDefinitionTests
{
    [Fact]
    public void An_external_asset_is_in_the_manifest_marked_with_its_spec_and_deps()
    {
        var location = Load(b => b
            .AddExternalAsset(new AssetSpecification("upstream_file"))
            .AddExternalAsset(new AssetSpecification("partner/feed")
            {
                Description = "a partner's file",
                Group = "partner",
                Tags = new Dictionary<string, string> { ["source"] = "sftp" },
                Owners = ["ops@example.com"],
                Kinds = ["csv"],
                Deps = ["upstream_file"],
                CodeVersion = "ignored",
            })
            .AddAsset(new AssetSpecification("made_here") { Deps = ["partner/feed"] }, _ => ValueTask.FromResult(new MaterializeResult()))).Get("test");

        var feed = Assert.Single(location.Manifest.Assets, a => a.Key == "partner/feed");
        Assert.True(feed.IsExternal);
        Assert.Equal(("a partner's file", "partner", "sftp", "ops@example.com", "csv"), (feed.Description, feed.Group, feed.Tags["source"], Assert.Single(feed.Owners), Assert.Single(feed.Kinds)));
        Assert.Equal(["upstream_file"], feed.Dependencies);
        // No code of ours computes it: a code version would make its downstream stale for nothing.
        Assert.Null(feed.CodeVersion);
        Assert.False(location.Manifest.Assets.Single(a => a.Key == "made_here").IsExternal);
        Assert.Empty(location.Manifest.AssetsFromOtherLocations);
    }

    [Fact]
    public void An_invalid_external_key_is_named()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(b => b.AddExternalAsset(new AssetSpecification("bad key"))));

        // The key's problem in the words every asset's gets, naming how it was declared.
        Assert.Contains("asset key 'bad key' (external asset added with AddExternalAsset in code location 'test')", error.Message);
    }

    [Fact]
    public void An_external_asset_with_the_key_of_another_asset_is_a_duplicate_naming_both()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(b => b
            .AddExternalAsset(new AssetSpecification("twin"))
            .AddAsset(new AssetSpecification("twin"), _ => ValueTask.FromResult(new MaterializeResult()))));

        Assert.Contains("duplicate asset key 'twin'", error.Message);
        Assert.Contains("external asset added with AddExternalAsset", error.Message);
    }

    [Fact]
    public void An_external_asset_that_depends_on_an_unknown_key_is_named()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(b => b.AddExternalAsset(new AssetSpecification("feed") { Deps = ["nowhere"] })));

        Assert.Contains("'feed' (external asset added with AddExternalAsset in code location 'test') depends on unknown asset key 'nowhere'", error.Message);
    }

    [Fact]
    public void An_external_asset_with_inputs_is_told_to_use_deps()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(b => b
            .AddAsset(new AssetSpecification("source"), _ => ValueTask.FromResult(new MaterializeResult()))
            .AddExternalAsset(new AssetSpecification("feed") { Inputs = ["source"] })));

        Assert.Contains("external asset 'feed'", error.Message);
        Assert.Contains("lists Inputs ('source')", error.Message);
        Assert.Contains("list them in Deps", error.Message);
    }

    [Fact]
    public void An_asset_that_takes_an_external_asset_as_a_parameter_is_refused_at_load()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(b => b.AddExternalAsset(new AssetSpecification("partner_feed")).AddAssets<TakesExternalValue>()));

        Assert.Contains("'uses_feed' (TakesExternalValue.UsesFeed) takes a parameter named after external asset 'partner_feed', which has no stored value", error.Message);
        Assert.Contains("Deps = [\"partner_feed\"]", error.Message);
    }

    [Fact]
    public void A_dependency_on_an_asset_of_another_location_is_not_an_external_asset()
    {
        var location = Load(b => b.AddAssetsFromOtherLocations("elsewhere").AddAsset(new AssetSpecification("mine") { Deps = ["elsewhere"] }, _ => ValueTask.FromResult(new MaterializeResult()))).Get("test");

        Assert.Equal(["elsewhere"], location.Manifest.AssetsFromOtherLocations);
        Assert.DoesNotContain(location.Manifest.Assets, a => a.IsExternal);
    }

    private static CodeLocationRegistry Load(Action<ICodeLocationBuilder> configure)
    {
        Configured.Value = configure;
        return CodeLocationRegistry.Load([new CodeLocationOptions { Name = "test", Definitions = typeof(ConfiguredLocation) }], new ConfigurationBuilder().Build());
    }

    /// <summary>The registry makes the location itself; this hands it what the test configures.</summary>
    private static readonly AsyncLocal<Action<ICodeLocationBuilder>> Configured = new();

    public sealed class ConfiguredLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => Configured.Value!(builder);
    }

    public sealed class TakesExternalValue
    {
        [Asset] public static int UsesFeed(int partnerFeed) => partnerFeed;
    }
}
