using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Unit;

public sealed class GraphValidationTests
{
    [Fact]
    public void A_cycle_is_named_in_full()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load<CycleLocation>());

        Assert.Contains("cycle alpha -> beta -> gamma -> alpha", error.Message);
    }

    [Fact]
    public void A_duplicate_key_names_both_definitions()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load<DuplicateLocation>());

        Assert.Contains("duplicate asset key 'twin'", error.Message);
        Assert.Contains("FirstTwin.Twin", error.Message);
        Assert.Contains("SecondTwin.Twin", error.Message);
    }

    [Fact]
    public void Keys_that_differ_only_in_case_are_refused()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load<CaseLocation>());

        Assert.Contains("asset keys 'beef' and 'BEEF' differ only in case", error.Message);
    }

    [Fact]
    public void A_dependency_on_an_unknown_key_is_named()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load<UnknownDepLocation>());

        Assert.Contains("'orphan' (UnknownDepAssets.Orphan) depends on unknown asset key 'missing_upstream'", error.Message);
    }

    [Fact]
    public void A_parameter_that_names_no_asset_is_named()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load<BadParameterLocation>());

        Assert.Contains("'consumer' (BadParameterAssets.Consumer) takes a parameter named after unknown asset key 'not_an_asset'", error.Message);
    }

    [Fact]
    public void A_dependency_on_an_asset_of_another_code_location_is_allowed()
    {
        var registry = Load<OtherLocationDepLocation>();

        Assert.Equal(["elsewhere"], registry.Get("test").Assets["uses_elsewhere"].Spec.Dependencies);
    }

    [Fact]
    public void Keys_default_to_snake_case_and_attributes_fill_the_spec()
    {
        var spec = Load<OtherLocationDepLocation>().Get("test").Assets["uses_elsewhere"].Spec;

        Assert.Equal("reports", spec.Group);
        Assert.Equal("gold", spec.Tags["tier"]);
        Assert.Equal(["ana@example.com"], spec.Owners);
        Assert.Equal("Reads what another location makes", spec.Description);
    }

    [Fact]
    public void A_silo_with_an_invalid_graph_refuses_to_start()
    {
        var builder = Host.CreateApplicationBuilder();
        var error = Assert.Throws<AssetGraphException>(() => builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .UseInMemoryAssetStorage()
            .AddOrleansAssets(o => o.AddCodeLocation<CycleLocation>("test"))));

        Assert.Contains("cycle", error.Message);
    }

    [Fact]
    public void A_missing_assembly_is_named()
    {
        var error = Assert.Throws<OrleansAssetsException>(() => CodeLocationRegistry.Load(
            [new CodeLocationOptions { Name = "gone", Assembly = "/nowhere/Gone.dll" }],
            new ConfigurationBuilder().Build()));

        Assert.Contains("/nowhere/Gone.dll", error.Message);
    }

    private static CodeLocationRegistry Load<T>() where T : ICodeLocation, new() =>
        CodeLocationRegistry.Load([new CodeLocationOptions { Name = "test", Definitions = typeof(T) }], new ConfigurationBuilder().Build());

    public sealed class CycleLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<CycleAssets>();
    }

    public sealed class CycleAssets
    {
        [Asset] public static int Alpha(int gamma) => gamma;

        [Asset] public static int Beta(int alpha) => alpha;

        [Asset(Deps = ["beta"])] public static MaterializeResult Gamma() => new();
    }

    public sealed class DuplicateLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<FirstTwin>().AddAssets<SecondTwin>();
    }

    public sealed class FirstTwin
    {
        [Asset] public static MaterializeResult Twin() => new();
    }

    public sealed class SecondTwin
    {
        [Asset] public static MaterializeResult Twin() => new();
    }

    public sealed class CaseLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<CaseAssets>();
    }

    public sealed class CaseAssets
    {
        [Asset("beef")] public static MaterializeResult Lower() => new();

        [Asset("BEEF")] public static MaterializeResult Upper() => new();
    }

    public sealed class UnknownDepLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<UnknownDepAssets>();
    }

    public sealed class UnknownDepAssets
    {
        [Asset(Deps = ["missing_upstream"])] public static MaterializeResult Orphan() => new();
    }

    public sealed class BadParameterLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<BadParameterAssets>();
    }

    public sealed class BadParameterAssets
    {
        [Asset] public static int Producer() => 1;

        [Asset] public static int Consumer(int notAnAsset) => notAnAsset;
    }

    public sealed class OtherLocationDepLocation : ICodeLocation
    {
        public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<OtherLocationDepAssets>().AddAssetsFromOtherLocations("elsewhere");
    }

    public sealed class OtherLocationDepAssets
    {
        [Asset(Description = "Reads what another location makes", Group = "reports", Tags = ["tier=gold"], Owners = ["ana@example.com"], Deps = ["elsewhere"])]
        public static MaterializeResult UsesElsewhere() => new();
    }
}
