using Microsoft.Extensions.Configuration;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// Assets made in code (a spec with a delegate or a class method, asset groups with a key prefix) read as attribute
/// assets do, and everything wrong with a factory's output refused at once, each problem named.
/// </summary>
public sealed class AssetFactoryTests
{
    [Fact]
    public void A_group_prefixes_its_keys_and_the_deps_on_its_own_assets_and_leaves_other_deps_whole()
    {
        var assets = Load(builder => builder
            .AddAsset(new AssetSpecification("raw/events"), Metadata)
            .AddAssetGroup("warehouse", group =>
            {
                group.AddAsset(new AssetSpecification("orders") { Deps = ["raw/events"] }, Metadata);
                group.AddAsset(new AssetSpecification("order_items") { Deps = ["orders"], Inputs = ["orders"] }, Metadata);
                group.KeyPrefix = "core/models"; // applied when the callback returns, so its place does not matter
            }));

        Assert.Equal(["core/models/order_items", "core/models/orders", "raw/events"], assets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["raw/events"], assets["core/models/orders"].Spec.Dependencies);
        Assert.Equal(["core/models/orders"], assets["core/models/order_items"].Spec.Dependencies);
        Assert.Equal(["core/models/orders"], assets["core/models/order_items"].Spec.Inputs);
        Assert.Equal("warehouse", assets["core/models/orders"].Spec.Group);
        Assert.Equal("default", assets["raw/events"].Spec.Group);
        Assert.Equal("core/models/orders", assets["core/models/order_items"].Input("orders", typeof(int)).UpstreamKey);
        Assert.Equal("core/models/orders", assets["core/models/order_items"].Input("core/models/orders", typeof(int)).UpstreamKey);
        Assert.Contains("is not an input of asset", Assert.Throws<InvalidOperationException>(() => assets["core/models/order_items"].Input("raw/events", typeof(int))).Message);
    }

    [Fact]
    public void A_dep_on_a_key_both_the_group_and_the_location_have_means_the_groups_own()
    {
        var assets = Load(builder => builder
            .AddAsset(new AssetSpecification("orders"), Metadata)
            .AddAssetGroup("warehouse", group =>
            {
                group.KeyPrefix = "core";
                group.AddAsset(new AssetSpecification("orders"), Metadata);
                group.AddAsset(new AssetSpecification("items") { Deps = ["orders"] }, Metadata);
            })
            .AddAssetGroup("reports", group =>
            {
                group.KeyPrefix = "reports";
                group.AddAsset(new AssetSpecification("daily") { Deps = ["orders", "core/items"] }, Metadata);
            }));

        Assert.Equal(["core/orders"], assets["core/items"].Spec.Dependencies);
        Assert.Equal(["orders", "core/items"], assets["reports/daily"].Spec.Dependencies);
    }

    [Fact]
    public void A_specification_fills_every_field_of_the_spec_as_an_attribute_does()
    {
        var assets = Load(builder => builder
            .AddIOManager<NullIOManager>("null_io")
            .AddAssets<AttributeAssets>()
            .AddAsset(new AssetSpecification("coded")
            {
                Description = "made in code",
                Group = "reports",
                Tags = new Dictionary<string, string> { ["tier"] = "gold" },
                Owners = ["ana@example.com"],
                Kinds = ["csv", "csv"],
                Deps = ["attributed"],
                CodeVersion = " 2 ",
                IOManager = "null_io",
            }, Metadata));

        var coded = assets["coded"].Spec;
        var attributed = assets["attributed"].Spec;
        foreach (var spec in new[] { coded, attributed })
        {
            Assert.Equal("reports", spec.Group);
            Assert.Equal("gold", spec.Tags["tier"]);
            Assert.Equal(["ana@example.com"], spec.Owners);
            Assert.Equal(["csv"], spec.Kinds);
            Assert.Equal("null_io", spec.IOManager);
            Assert.Equal("2", spec.CodeVersion);
        }

        Assert.Equal("made in code", coded.Description);
        Assert.Equal(["attributed"], coded.Dependencies);
    }

    [Fact]
    public void Attribute_assets_in_a_group_get_its_prefix_on_their_keys_and_on_parameters_named_after_each_other()
    {
        var assets = Load(builder => builder.AddAssetGroup("staged", group =>
        {
            group.KeyPrefix = "stage";
            group.AddAssets<PrefixedAttributeAssets>();
        }));

        Assert.Equal(["stage/first", "stage/second"], assets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["stage/first"], assets["stage/second"].Spec.Inputs);
        Assert.Equal("stage/first", Assert.Single(assets["stage/second"].Parameters, p => p.Kind == AssetParameterKind.Upstream).UpstreamKey);
    }

    [Fact]
    public void Every_problem_of_a_factory_is_named_at_once()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(builder => builder
            .AddAssets<AttributeAssets>()
            .AddAsset(new AssetSpecification("attributed"), Metadata)
            .AddAssetGroup("one", group =>
            {
                group.KeyPrefix = "core";
                group.AddAsset(new AssetSpecification("same"), Metadata);
                group.AddAsset(new AssetSpecification(""), Metadata);
                group.AddAsset(new AssetSpecification("a//b"), Metadata);
                group.AddAsset(new AssetSpecification("/leading"), Metadata);
                group.AddAsset(new AssetSpecification("trailing/"), Metadata);
                group.AddAsset(new AssetSpecification("has-dash"), Metadata);
                group.AddAsset(new AssetSpecification("9lives"), Metadata);
                group.AddAsset(new AssetSpecification("needs") { Deps = ["nowhere", "bad key"] }, Metadata);
                group.AddAsset(new AssetSpecification("elsewhere") { Group = "other" }, Metadata);
            })
            .AddAssetGroup("two", group =>
            {
                group.KeyPrefix = "core";
                group.AddAsset(new AssetSpecification("same"), Metadata);
                group.AddAsset<Loader>(new AssetSpecification("loaded") { Deps = ["nowhere_else"] }, (loader, context) => loader.LoadAsync(context));
            })
            .AddAssetGroup("three", group =>
            {
                group.KeyPrefix = "bad//prefix";
                group.AddAsset(new AssetSpecification("fine"), Metadata);
            })));

        var message = error.Message;
        Assert.Contains("duplicate asset key 'attributed', defined by 'attributed' (AttributeAssets.Attributed) and 'attributed' (added with AddAsset in code location 'test')", message);
        Assert.Contains("duplicate asset key 'core/same', defined by 'core/same' (added with AddAsset in asset group 'one' of code location 'test') and 'core/same' (added with AddAsset in asset group 'two' of code location 'test')", message);
        Assert.Contains("asset key '' (added with AddAsset in asset group 'one' of code location 'test') is empty", message);
        Assert.Contains("asset key 'a//b' (added with AddAsset in asset group 'one' of code location 'test') has an empty part ('//')", message);
        Assert.Contains("asset key '/leading' (added with AddAsset in asset group 'one' of code location 'test') starts or ends with '/'", message);
        Assert.Contains("asset key 'trailing/' (added with AddAsset in asset group 'one' of code location 'test') starts or ends with '/'", message);
        Assert.Contains("asset key 'has-dash' (added with AddAsset in asset group 'one' of code location 'test') has the character '-'", message);
        Assert.Contains("asset key '9lives' (added with AddAsset in asset group 'one' of code location 'test') has a part that starts with a digit", message);
        Assert.Contains("asset 'core/needs' (added with AddAsset in asset group 'one' of code location 'test') depends on 'bad key', which is not a valid asset key: it has the character U+0020", message);
        Assert.Contains("asset 'core/needs' (added with AddAsset in asset group 'one' of code location 'test') depends on unknown asset key 'nowhere'", message);
        Assert.Contains("asset 'elsewhere' (added with AddAsset in asset group 'one' of code location 'test') sets group 'other' but is added in asset group 'one'", message);
        Assert.Contains("asset group 'three' of code location 'test' has key prefix 'bad//prefix', which has an empty part ('//')", message);
        Assert.Contains("asset 'core/loaded' (added with AddAsset<Loader> in asset group 'two' of code location 'test') depends on unknown asset key 'nowhere_else'", message);
    }

    [Fact]
    public void Bad_keys_of_attribute_assets_are_collected_with_the_rest()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(builder => builder
            .AddAssets<BadAttributeAssets>()
            .AddAsset(new AssetSpecification("x y"), Metadata)));

        Assert.Contains("asset key 'a//b' (BadAttributeAssets.Doubled) has an empty part ('//')", error.Message);
        Assert.Contains("asset 'untagged' (BadAttributeAssets.Untagged) has a tag '=v' without a name", error.Message);
        Assert.Contains("asset key 'x y' (added with AddAsset in code location 'test') has the character U+0020", error.Message);
    }

    [Fact]
    public void A_multi_assets_problems_and_its_outputs_bad_keys_are_named_with_the_others()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(builder => builder
            .AddMultiAsset(
                new MultiAssetSpecification("split") { Outputs = [new AssetSpecification("left"), new AssetSpecification("left"), new AssetSpecification("right-side")] },
                _ => ValueTask.FromResult(new MultiAssetResult()))
            .AddAsset(new AssetSpecification("a//b"), Metadata)));

        Assert.Contains("multi-asset 'split' of code location 'test' declares output 'left' 2 times", error.Message);
        Assert.Contains("asset key 'right-side' (output of multi-asset 'split' in code location 'test') has the character '-'", error.Message);
        Assert.Contains("asset key 'a//b' (added with AddAsset in code location 'test') has an empty part ('//')", error.Message);
        Assert.DoesNotContain("duplicate asset key 'left'", error.Message);
    }

    [Fact]
    public void A_specification_read_on_its_own_throws_each_of_its_problems()
    {
        var spec = new AssetSpecification("a//b") { Deps = ["x-y"] };

        var error = Assert.Throws<AssetGraphException>(() => AssetDefinitionReader.Read(spec, Metadata, "loc"));

        Assert.Contains("asset key 'a//b' (added with AddAsset in code location 'loc') has an empty part ('//')", error.Message);
        Assert.Contains("depends on 'x-y', which is not a valid asset key: it has the character '-'", error.Message);
        Assert.Equal("ok", AssetDefinitionReader.Read(new AssetSpecification("ok"), Metadata, "loc").Key);
    }

    [Fact]
    public void An_unknown_io_manager_is_named_with_the_other_problems()
    {
        var error = Assert.Throws<AssetGraphException>(() => Load(builder => builder
            .AddAsset(new AssetSpecification("stored") { IOManager = "missing_io" }, Metadata)
            .AddAsset(new AssetSpecification("after") { Deps = ["nothing_here"] }, Metadata)));

        Assert.Contains("names IO manager 'missing_io'", error.Message);
        Assert.Contains("depends on unknown asset key 'nothing_here'", error.Message);
    }

    private static ValueTask<MaterializeResult> Metadata(AssetContext context) => ValueTask.FromResult(new MaterializeResult());

    private static IReadOnlyDictionary<string, AssetDefinition> Load(Action<ICodeLocationBuilder> configure)
    {
        DelegateLocation.Configuring = configure;
        try
        {
            return CodeLocationRegistry.Load([new CodeLocationOptions { Name = "test", Definitions = typeof(DelegateLocation) }], new ConfigurationBuilder().Build()).Get("test").Assets;
        }
        finally
        {
            DelegateLocation.Configuring = null;
        }
    }

    /// <summary>A code location whose Configure is the test's (the registry creates the type itself, with no arguments).</summary>
    public sealed class DelegateLocation : ICodeLocation
    {
        [ThreadStatic] private static Action<ICodeLocationBuilder>? _configuring;

        public static Action<ICodeLocationBuilder>? Configuring { get => _configuring; set => _configuring = value; }

        public void Configure(ICodeLocationBuilder builder) => (Configuring ?? throw new InvalidOperationException("no Configure set"))(builder);
    }

    public sealed class AttributeAssets
    {
        [Asset(Group = "reports", Tags = ["tier=gold"], Owners = ["ana@example.com"], Kinds = ["csv", "csv"], IOManager = "null_io", CodeVersion = "2")]
        public static MaterializeResult Attributed() => new();
    }

    public sealed class PrefixedAttributeAssets
    {
        [Asset] public static int First() => 1;

        [Asset] public static int Second(int first) => first + 1;
    }

    public sealed class BadAttributeAssets
    {
        [Asset("a//b")] public static MaterializeResult Doubled() => new();

        [Asset(Tags = ["=v"])] public static MaterializeResult Untagged() => new();
    }

    public sealed class Loader
    {
        public ValueTask<MaterializeResult> LoadAsync(AssetContext context) => ValueTask.FromResult(new MaterializeResult());
    }

    public sealed class NullIOManager : IIOManager
    {
        public ValueTask<StoredValue> StoreAsync(OutputContext context, object value, CancellationToken cancellationToken) => ValueTask.FromResult(new StoredValue("", "", 0));

        public ValueTask<object?> LoadAsync(InputContext context, Type valueType, CancellationToken cancellationToken) => ValueTask.FromResult<object?>(null);
    }
}
