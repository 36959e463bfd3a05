using Microsoft.Extensions.Configuration;

namespace OrleansAssets;

/// <summary>
/// Adds assets to one group of a code location, under one key prefix: every asset added here is in
/// <see cref="Group"/> and its key is <see cref="KeyPrefix"/>/its key.
/// </summary>
/// <remarks>
/// Deps and inputs that name an asset added in the same <c>AddAssetGroup</c> call by its key without the prefix get
/// the prefix (the group's own asset wins over one elsewhere with that key unprefixed); any other dep is the whole
/// key of an asset elsewhere (another group, the code location's other assets, an external asset). The prefix and group are applied when the group's configure callback returns, so the order of setting
/// <see cref="KeyPrefix"/> and adding assets does not matter.
/// </remarks>
public interface IAssetGroupBuilder
{
    /// <summary>The group of every asset added here; an asset's own <see cref="AssetSpecification.Group"/> must be unset or the same.</summary>
    string Group { get; }

    /// <summary>A key (<c>core/models</c>) put in front of every key added here, with a '/'; none when null.</summary>
    string? KeyPrefix { get; set; }

    /// <summary>The silo's configuration, for a factory that reads where its data is.</summary>
    IConfiguration Configuration { get; }

    /// <summary>Adds every <see cref="AssetAttribute"/> method of <typeparamref name="TAssets"/> to this group.</summary>
    IAssetGroupBuilder AddAssets<TAssets>() where TAssets : class;

    /// <summary>Adds an asset defined in code to this group (see <see cref="ICodeLocationBuilder.AddAsset(AssetSpecification, Func{AssetContext, ValueTask{MaterializeResult}})"/>).</summary>
    IAssetGroupBuilder AddAsset(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize);

    /// <summary>Adds an asset defined in code that returns a value to store.</summary>
    IAssetGroupBuilder AddAsset<TValue>(AssetSpecification specification, Func<AssetContext, ValueTask<Output<TValue>>> materialize);

    /// <summary>Adds an asset defined in code that a method of <typeparamref name="TAssets"/> (created per step) materializes.</summary>
    IAssetGroupBuilder AddAsset<TAssets>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<MaterializeResult>> materialize) where TAssets : class;

    /// <summary>Adds an asset defined in code that a method of <typeparamref name="TAssets"/> materializes, returning a value to store.</summary>
    IAssetGroupBuilder AddAsset<TAssets, TValue>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<Output<TValue>>> materialize) where TAssets : class;
}
