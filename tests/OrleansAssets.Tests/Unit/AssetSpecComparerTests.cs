using System.Reflection;
using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// The catalog republishes a code location only when a spec differs by this comparer: a field it forgets is a
/// change no silo ever publishes (a new code version, an asset turned external, an output moved to a multi-asset).
/// </summary>
public sealed class AssetSpecComparerTests
{
    private static readonly AssetSpec Base = new() { Key = "a", CodeLocation = "loc" };

    public static TheoryData<string> Properties() => [.. typeof(AssetSpec).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Properties))]
    public void A_spec_that_differs_in_any_field_is_a_different_spec(string property)
    {
        var changed = property switch
        {
            nameof(AssetSpec.Key) => Base with { Key = "b" },
            nameof(AssetSpec.Description) => Base with { Description = "d" },
            nameof(AssetSpec.Group) => Base with { Group = "g" },
            nameof(AssetSpec.Tags) => Base with { Tags = new() { ["k"] = "v" } },
            nameof(AssetSpec.Owners) => Base with { Owners = ["me"] },
            nameof(AssetSpec.Dependencies) => Base with { Dependencies = ["x"] },
            nameof(AssetSpec.Inputs) => Base with { Inputs = ["x"] },
            nameof(AssetSpec.CodeLocation) => Base with { CodeLocation = "other" },
            nameof(AssetSpec.IOManager) => Base with { IOManager = "io" },
            nameof(AssetSpec.Kind) => Base with { Kind = StepKind.Op },
            nameof(AssetSpec.Config) => Base with { Config = [new ConfigField { Name = "n", Type = "integer" }] },
            nameof(AssetSpec.Kinds) => Base with { Kinds = ["csv"] },
            nameof(AssetSpec.CodeVersion) => Base with { CodeVersion = "2" },
            nameof(AssetSpec.IsExternal) => Base with { IsExternal = true },
            nameof(AssetSpec.MultiAsset) => Base with { MultiAsset = "m" },
            nameof(AssetSpec.Subsettable) => Base with { Subsettable = true },
            nameof(AssetSpec.MaxRunTimeMs) => Base with { MaxRunTimeMs = 1000 },
            nameof(AssetSpec.Retry) => Base with { Retry = new RetryPolicySpec { MaxAttempts = 3, NeverRetry = ["System.ArgumentException"] } },
            _ => throw new Xunit.Sdk.XunitException($"AssetSpec.{property} is new: make a spec that differs in it here, and compare it in AssetSpecComparer"),
        };

        Assert.False(AssetSpecComparer.Instance.Equals(Base, changed), $"AssetSpecComparer ignores {property}");
        Assert.True(AssetSpecComparer.Instance.Equals(changed, changed with { }));
    }
}
