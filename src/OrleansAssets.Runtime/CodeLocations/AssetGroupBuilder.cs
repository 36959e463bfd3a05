using Microsoft.Extensions.Configuration;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// The code-defined forms of <c>AddAsset</c> as declared assets: a delegate, or a method of a class created per step,
/// each returning metadata only or a value to store. Shared by the code location and its asset groups, which say
/// where the call was (<c>in asset group 'g' of code location 'c'</c>) for messages.
/// </summary>
internal static class CodeAssets
{
    public static DeclaredAsset Of(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize, string where)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        return AssetDefinitionReader.Declare(specification, materialize, null, async (_, context) => await materialize(context), $"added with AddAsset {where}");
    }

    public static DeclaredAsset Of<TValue>(AssetSpecification specification, Func<AssetContext, ValueTask<Output<TValue>>> materialize, string where)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        return AssetDefinitionReader.Declare(specification, materialize, null, async (_, context) => await materialize(context), $"added with AddAsset {where}");
    }

    public static DeclaredAsset Of<TAssets>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<MaterializeResult>> materialize, string where)
        where TAssets : class
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        return AssetDefinitionReader.Declare(specification, materialize, typeof(TAssets), async (instance, context) => await materialize((TAssets)instance!, context), $"added with AddAsset<{typeof(TAssets).Name}> {where}");
    }

    public static DeclaredAsset Of<TAssets, TValue>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<Output<TValue>>> materialize, string where)
        where TAssets : class
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        return AssetDefinitionReader.Declare(specification, materialize, typeof(TAssets), async (instance, context) => await materialize((TAssets)instance!, context), $"added with AddAsset<{typeof(TAssets).Name}> {where}");
    }
}

/// <summary>
/// Collects one asset group's assets and, once its configure callback has returned, gives them the group and the key
/// prefix: only then are all the group's keys known, which the prefixing of deps needs.
/// </summary>
internal sealed class AssetGroupBuilder(string group, string codeLocation, IConfiguration configuration) : IAssetGroupBuilder
{
    private readonly List<DeclaredAsset> _declared = [];
    private readonly HashSet<Type> _assetClasses = [];

    public string Group { get; } = group;

    public string? KeyPrefix { get; set; }

    public IConfiguration Configuration { get; } = configuration;

    private string CodeSource => $"in asset group '{Group}' of code location '{codeLocation}'";

    public IAssetGroupBuilder AddAssets<TAssets>() where TAssets : class
    {
        if (_assetClasses.Add(typeof(TAssets)))
        {
            _declared.AddRange(AssetDefinitionReader.Declare(typeof(TAssets)).Select(d => d with { Source = $"{d.Source} in asset group '{Group}'" }));
        }

        return this;
    }

    public IAssetGroupBuilder AddAsset(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize) =>
        Add(CodeAssets.Of(specification, materialize, CodeSource));

    public IAssetGroupBuilder AddAsset<TValue>(AssetSpecification specification, Func<AssetContext, ValueTask<Output<TValue>>> materialize) =>
        Add(CodeAssets.Of(specification, materialize, CodeSource));

    public IAssetGroupBuilder AddAsset<TAssets>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<MaterializeResult>> materialize) where TAssets : class =>
        Add(CodeAssets.Of(specification, materialize, CodeSource));

    public IAssetGroupBuilder AddAsset<TAssets, TValue>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<Output<TValue>>> materialize) where TAssets : class =>
        Add(CodeAssets.Of(specification, materialize, CodeSource));

    /// <summary>The group's assets with the group set and the prefix applied to their keys and to deps on each other.</summary>
    public IEnumerable<DeclaredAsset> Complete(List<string> problems)
    {
        var prefix = string.IsNullOrEmpty(KeyPrefix) ? null : KeyPrefix;
        if (prefix is not null && AssetKeys.Problem(prefix) is { } why)
        {
            // Reported once here rather than once per asset as an invalid key.
            problems.Add($"asset group '{Group}' of code location '{codeLocation}' has key prefix '{UserText.Shorten(prefix)}', which {why}");
            prefix = null;
        }

        var local = _declared.Select(d => d.Specification.Key).ToHashSet(StringComparer.Ordinal);
        string Resolve(string key) => prefix is not null && local.Contains(key) ? AssetKeys.WithPrefix(prefix, key) : key;

        foreach (var declared in _declared)
        {
            var specification = declared.Specification;
            var extra = new List<string>(declared.Problems);
            if (!string.IsNullOrWhiteSpace(specification.Group) && specification.Group != Group)
            {
                extra.Add($"asset '{UserText.Shorten(specification.Key ?? string.Empty)}' ({declared.Source}) sets group '{specification.Group}' but is added in asset group '{Group}'; leave its group unset");
            }

            if (prefix is null)
            {
                yield return declared with { Specification = specification with { Group = Group }, Problems = extra };
                continue;
            }

            yield return declared with
            {
                Specification = specification with
                {
                    // An invalid key keeps its own spelling, so its message names what the factory wrote.
                    Key = AssetKeys.IsValid(specification.Key) ? AssetKeys.WithPrefix(prefix, specification.Key) : specification.Key ?? string.Empty,
                    Group = Group,
                    Deps = [.. specification.Deps.Select(Resolve)],
                    Inputs = [.. specification.Inputs.Select(Resolve)],
                },
                Parameters = [.. declared.Parameters.Select(p => p.UpstreamKey is { } upstream ? p with { UpstreamKey = Resolve(upstream) } : p)],
                InputNames = specification.Inputs.Distinct(StringComparer.Ordinal).ToDictionary(i => i, Resolve, StringComparer.Ordinal),
                Problems = extra,
            };
        }
    }

    private AssetGroupBuilder Add(DeclaredAsset declared)
    {
        _declared.Add(declared);
        return this;
    }
}
