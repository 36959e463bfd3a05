using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>An asset as its code location defines it: the spec the cluster sees, plus the code that runs it.</summary>
internal sealed record AssetDefinition(AssetSpec Spec, Type DeclaringType, MethodInfo Method, IReadOnlyList<AssetParameter> Parameters)
{
    public string Key => Spec.Key;

    /// <summary>
    /// The code of an asset added with <c>AddAsset</c>, given the instance of <see cref="InstanceType"/> (null for a
    /// plain delegate); it returns what the user's code returned. Null for an <see cref="AssetAttribute"/> method.
    /// </summary>
    public Func<object?, AssetContext, ValueTask<object?>>? Materialize { get; init; }

    /// <summary>The class created per step for <see cref="Materialize"/>, as an asset class is; null for a plain delegate.</summary>
    public Type? InstanceType { get; init; }

    /// <summary>Where the asset was defined, which is where a user goes to fix it: its class and method, or the AddAsset call's group and code location.</summary>
    public string Source { get; init; } = $"{DeclaringType.Name}.{Method.Name}";

    /// <summary>Inputs by the name the definition gave them (without an asset group's prefix), to their whole keys.</summary>
    public IReadOnlyDictionary<string, string> InputNames { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The multi-asset this asset is an output of; null for an asset with a step of its own.</summary>
    public MultiAssetDefinition? Multi { get; init; }

    public string Describe() => $"'{Spec.Key}' ({Source})";

    /// <summary>The input <paramref name="name"/> (whole key, or as the definition wrote it) as a parameter of <paramref name="type"/>, for a load on demand.</summary>
    public AssetParameter Input(string name, Type type)
    {
        var key = Spec.Inputs.Contains(name, StringComparer.Ordinal) ? name : InputNames.GetValueOrDefault(name);
        return key is null
            ? throw new InvalidOperationException($"'{name}' is not an input of asset '{Key}'; list it in its AssetSpecification.Inputs (inputs: {(Spec.Inputs.Count == 0 ? "none" : string.Join(", ", Spec.Inputs.Select(i => $"'{i}'")))}).")
            : new AssetParameter(AssetParameterKind.Upstream, name, type, key);
    }
}

/// <summary>
/// An asset as one of the forms declares it (an <see cref="AssetAttribute"/> method, a spec with a delegate, a spec
/// with a class method), before an asset group's prefix is applied and before it is checked: every form is read
/// into this, and <see cref="AssetDefinitionReader.Define"/> is the one place it becomes a definition.
/// </summary>
internal sealed record DeclaredAsset(AssetSpecification Specification, Type DeclaringType, MethodInfo Method, string Source)
{
    public IReadOnlyList<AssetParameter> Parameters { get; init; } = [];

    public Func<object?, AssetContext, ValueTask<object?>>? Materialize { get; init; }

    public Type? InstanceType { get; init; }

    public IReadOnlyDictionary<string, string>? InputNames { get; init; }

    /// <summary>The multi-asset whose step computes this asset with its siblings; null for an asset with a step of its own.</summary>
    public MultiAssetDefinition? Multi { get; init; }

    /// <summary>An external asset (<see cref="ICodeLocationBuilder.AddExternalAsset"/>): made elsewhere, reported, never run.</summary>
    public bool External { get; init; }

    /// <summary>What was wrong with it as written (a tag without a name, a generic method), reported with the graph's problems.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
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
