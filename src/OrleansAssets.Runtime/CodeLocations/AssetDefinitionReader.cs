using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>Reads the <see cref="AssetAttribute"/> methods of one asset class into definitions.</summary>
internal static class AssetDefinitionReader
{
    public static IEnumerable<AssetDefinition> Read(Type assetClass, string codeLocation)
    {
        var methods = assetClass
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => (method: m, attribute: m.GetCustomAttribute<AssetAttribute>()))
            .Where(m => m.attribute is not null)
            .OrderBy(m => m.method.MetadataToken);
        foreach (var (method, attribute) in methods)
        {
            yield return Read(assetClass, method, attribute!, codeLocation);
        }
    }

    /// <summary>Reads the <see cref="OpAttribute"/> methods of one ops class: steps of jobs that materialize nothing.</summary>
    public static IEnumerable<AssetDefinition> ReadOps(Type opsClass, string codeLocation)
    {
        var methods = opsClass
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => (method: m, attribute: m.GetCustomAttribute<OpAttribute>()))
            .Where(m => m.attribute is not null)
            .OrderBy(m => m.method.MetadataToken);
        foreach (var (method, attribute) in methods)
        {
            var where = $"{opsClass.Name}.{method.Name}";
            var key = attribute!.Key ?? AssetKeys.ToSnakeCase(TrimAsync(method.Name));
            if (!AssetKeys.IsValid(key))
            {
                throw new AssetGraphException($"Invalid asset graph: op key '{key}' of {where} is not valid; use letters, digits and '_' in segments separated by '/'.");
            }

            var parameters = method.GetParameters().Select(ReadParameter).ToList();
            var inputs = parameters.Where(p => p.Kind == AssetParameterKind.Upstream).Select(p => p.UpstreamKey!).ToList();
            yield return new AssetDefinition(new AssetSpec
            {
                Key = key,
                Description = attribute.Description,
                Group = "ops",
                Inputs = inputs,
                Dependencies = [.. inputs.Concat(attribute.Deps).Distinct(StringComparer.Ordinal)],
                CodeLocation = codeLocation,
                Kind = StepKind.Op,
                Config = ConfigSchema.Of(parameters),
            }, opsClass, method, parameters);
        }
    }

    /// <summary>An asset added in code (<see cref="ICodeLocationBuilder.AddAsset"/>): its deps only order it.</summary>
    public static AssetDefinition Read(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize, string codeLocation)
    {
        var key = specification.Key;
        if (!AssetKeys.IsValid(key))
        {
            throw new AssetGraphException($"Invalid asset graph: asset key '{UserText.Shorten(key)}' added by code location '{codeLocation}' is not valid; use letters, digits and '_' in segments separated by '/'.");
        }

        foreach (var dep in specification.Deps.Where(d => !AssetKeys.IsValid(d)))
        {
            throw new AssetGraphException($"Invalid asset graph: asset '{key}' (added by code location '{codeLocation}') depends on '{UserText.Shorten(dep)}', which is not a valid asset key.");
        }

        var spec = new AssetSpec
        {
            Key = key,
            Description = specification.Description,
            Group = string.IsNullOrWhiteSpace(specification.Group) ? "default" : specification.Group,
            Tags = new Dictionary<string, string>(specification.Tags, StringComparer.Ordinal),
            Owners = [.. specification.Owners],
            Kinds = [.. specification.Kinds.Distinct(StringComparer.Ordinal)],
            Dependencies = [.. specification.Deps.Distinct(StringComparer.Ordinal)],
            CodeLocation = codeLocation,
            CodeVersion = CodeVersionOf(specification.CodeVersion),
        };
        return new AssetDefinition(spec, materialize.Method.DeclaringType ?? typeof(AssetSpecification), materialize.Method, [new AssetParameter(AssetParameterKind.Context, "context", typeof(AssetContext), null)])
        {
            Delegate = materialize,
        };
    }

    /// <summary>
    /// An external asset (<see cref="ICodeLocationBuilder.AddExternalAsset"/>): the same checks as an asset added in
    /// code, marked external, with no code version (no code of ours computes it) and a function that is never run:
    /// runs leave external assets out of their plans, so reaching it is a bug, said as one.
    /// </summary>
    public static AssetDefinition ReadExternal(AssetSpecification specification, string codeLocation)
    {
        var definition = Read(specification, NeverRun, codeLocation);
        return definition with { Spec = definition.Spec with { IsExternal = true, CodeVersion = null } };

        ValueTask<MaterializeResult> NeverRun(AssetContext context) =>
            throw new InvalidOperationException($"External asset '{specification.Key}' is produced outside OrleansAssets and is never materialized by a run; report its materializations (oa report {specification.Key}).");
    }

    private static AssetDefinition Read(Type assetClass, MethodInfo method, AssetAttribute attribute, string codeLocation)
    {
        var where = $"{assetClass.Name}.{method.Name}";
        var key = attribute.Key ?? AssetKeys.ToSnakeCase(TrimAsync(method.Name));
        if (!AssetKeys.IsValid(key))
        {
            throw new AssetGraphException($"Invalid asset graph: asset key '{key}' of {where} is not valid; use letters, digits and '_' in segments separated by '/'.");
        }

        if (method.IsGenericMethodDefinition)
        {
            throw new AssetGraphException($"Invalid asset graph: asset '{key}' ({where}) is a generic method; an asset's method cannot be generic.");
        }

        var parameters = method.GetParameters().Select(p => ReadParameter(p)).ToList();
        var inputs = parameters.Where(p => p.Kind == AssetParameterKind.Upstream).Select(p => p.UpstreamKey!).ToList();
        var deps = attribute.Deps.Where(d => !inputs.Contains(d, StringComparer.Ordinal)).ToList();
        foreach (var dep in deps.Where(d => !AssetKeys.IsValid(d)))
        {
            throw new AssetGraphException($"Invalid asset graph: asset '{key}' ({where}) depends on '{dep}', which is not a valid asset key.");
        }

        var spec = new AssetSpec
        {
            Key = key,
            Description = attribute.Description,
            Group = string.IsNullOrWhiteSpace(attribute.Group) ? "default" : attribute.Group,
            Tags = ParseTags(attribute.Tags, key, where),
            Owners = [.. attribute.Owners],
            Kinds = [.. attribute.Kinds.Distinct(StringComparer.Ordinal)],
            Inputs = inputs,
            Dependencies = [.. inputs.Concat(deps).Distinct(StringComparer.Ordinal)],
            CodeLocation = codeLocation,
            IOManager = attribute.IOManager,
            Config = ConfigSchema.Of(parameters),
            CodeVersion = CodeVersionOf(attribute.CodeVersion),
        };
        return new AssetDefinition(spec, assetClass, method, parameters);
    }

    private static AssetParameter ReadParameter(ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(AssetContext))
        {
            return new(AssetParameterKind.Context, parameter.Name!, parameter.ParameterType, null);
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return new(AssetParameterKind.CancellationToken, parameter.Name!, parameter.ParameterType, null);
        }

        if (typeof(StepConfig).IsAssignableFrom(parameter.ParameterType))
        {
            return new(AssetParameterKind.Config, parameter.Name!, parameter.ParameterType, null);
        }

        var upstream = parameter.GetCustomAttribute<UpstreamAttribute>()?.Key ?? AssetKeys.ToSnakeCase(parameter.Name!);
        return new(AssetParameterKind.Upstream, parameter.Name!, parameter.ParameterType, upstream);
    }

    private static Dictionary<string, string> ParseTags(string[] tags, string key, string where)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? tag : tag[..equals]).Trim();
            if (name.Length == 0)
            {
                throw new AssetGraphException($"Invalid asset graph: asset '{key}' ({where}) has a tag '{tag}' without a name; write tags as 'name=value'.");
            }

            parsed[name] = equals < 0 ? string.Empty : tag[(equals + 1)..].Trim();
        }

        return parsed;
    }

    /// <summary>A blank code version is no code version: "" and null must not read as a change between them.</summary>
    private static string? CodeVersionOf(string? declared) => string.IsNullOrWhiteSpace(declared) ? null : declared.Trim();

    private static string TrimAsync(string name) =>
        name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;
}
