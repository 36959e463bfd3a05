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
                Retry = RetryPolicies.Of(method, $"op '{key}' ({where})"),
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
            Retry = RetryPolicies.ToSpec(specification.RetryPolicy, $"asset '{key}' (added by code location '{codeLocation}')"),
            MaxRunTimeMs = MaxRunTimeOf(specification.MaxRunTime?.TotalMilliseconds, $"asset '{key}' (added by code location '{codeLocation}')"),
        };
        return new AssetDefinition(spec, materialize.Method.DeclaringType ?? typeof(AssetSpecification), materialize.Method, [new AssetParameter(AssetParameterKind.Context, "context", typeof(AssetContext), null)])
        {
            Delegate = materialize,
        };
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
            Retry = RetryPolicies.Of(method, $"asset '{key}' ({where})"),
            MaxRunTimeMs = MaxRunTimeOf(attribute.MaxRunTimeSeconds == 0 ? null : attribute.MaxRunTimeSeconds * 1000, $"asset '{key}' ({where})"),
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

    private static double? MaxRunTimeOf(double? milliseconds, string describe) => milliseconds switch
    {
        null => null,
        > 0 and < double.PositiveInfinity => milliseconds,
        _ => throw new AssetGraphException($"Invalid asset graph: {describe} has a maximum run time of {milliseconds} ms; it must be positive."),
    };

    /// <summary>A blank code version is no code version: "" and null must not read as a change between them.</summary>
    private static string? CodeVersionOf(string? declared) => string.IsNullOrWhiteSpace(declared) ? null : declared.Trim();

    private static string TrimAsync(string name) =>
        name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;
}
