using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>An asset as its code location defines it: the spec the cluster sees, plus the method that runs it.</summary>
internal sealed record AssetDefinition(AssetSpec Spec, Type DeclaringType, MethodInfo Method, IReadOnlyList<AssetParameter> Parameters)
{
    public string Key => Spec.Key;

    /// <summary>The delegate of an asset added in code; null for an <see cref="AssetAttribute"/> method.</summary>
    public Func<AssetContext, ValueTask<MaterializeResult>>? Delegate { get; init; }

    /// <summary>Names the asset in messages by its class and method, which is where a user goes to fix it.</summary>
    public string Describe() => Spec.IsExternal ? $"'{Spec.Key}' (external asset added with AddExternalAsset in code location '{Spec.CodeLocation}')"
        : Delegate is null ? $"'{Spec.Key}' ({DeclaringType.Name}.{Method.Name})"
        : $"'{Spec.Key}' (added with AddAsset in code location '{Spec.CodeLocation}')";
}

internal enum AssetParameterKind
{
    Context,
    CancellationToken,
    Upstream,

    /// <summary>The step's part of the run config, bound to a <see cref="StepConfig"/> type.</summary>
    Config,
}

internal sealed record AssetParameter(AssetParameterKind Kind, string Name, Type Type, string? UpstreamKey);
