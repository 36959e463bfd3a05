using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>An asset as its code location defines it: the spec the cluster sees, plus the method that runs it.</summary>
internal sealed record AssetDefinition(AssetSpec Spec, Type DeclaringType, MethodInfo Method, IReadOnlyList<AssetParameter> Parameters)
{
    public string Key => Spec.Key;

    /// <summary>The delegate of an asset added in code; null for an <see cref="AssetAttribute"/> method.</summary>
    public Func<AssetContext, ValueTask<MaterializeResult>>? Delegate { get; init; }

    /// <summary>The multi-asset this asset is an output of; null for an asset with a step of its own.</summary>
    public MultiAssetDefinition? Multi { get; init; }

    /// <summary>Names the asset in messages by its class and method, which is where a user goes to fix it.</summary>
    public string Describe() => Multi is { } multi
        ? $"'{Spec.Key}' (output of multi-asset '{multi.Name}' in code location '{Spec.CodeLocation}')"
        : Spec.IsExternal ? $"'{Spec.Key}' (external asset added with AddExternalAsset in code location '{Spec.CodeLocation}')"
        : Delegate is null ? $"'{Spec.Key}' ({DeclaringType.Name}.{Method.Name})" : $"'{Spec.Key}' (added with AddAsset in code location '{Spec.CodeLocation}')";
}

/// <summary>A multi-asset: its outputs in the order declared, and the code that materializes them in one step.</summary>
internal sealed record MultiAssetDefinition(string Name, IReadOnlyList<string> Outputs, bool CanSubset, Func<AssetContext, ValueTask<MultiAssetResult>> Materialize);

internal enum AssetParameterKind
{
    Context,
    CancellationToken,
    Upstream,

    /// <summary>The step's part of the run config, bound to a <see cref="StepConfig"/> type.</summary>
    Config,
}

internal sealed record AssetParameter(AssetParameterKind Kind, string Name, Type Type, string? UpstreamKey);
