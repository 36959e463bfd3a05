using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// Turns what a code location declares into definitions. Every form of asset (an <see cref="AssetAttribute"/> method,
/// a spec added in code) is first a <see cref="DeclaredAsset"/> with an <see cref="AssetSpecification"/>, and
/// <see cref="Define"/> is the one place a specification is checked and becomes the cluster's <see cref="AssetSpec"/>.
/// Problems are collected, not thrown, so the silo names every one of them at once.
/// </summary>
internal static class AssetDefinitionReader
{
    /// <summary>The <see cref="AssetAttribute"/> methods of one asset class, as specifications.</summary>
    public static IEnumerable<DeclaredAsset> Declare(Type assetClass)
    {
        var methods = assetClass
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => (method: m, attribute: m.GetCustomAttribute<AssetAttribute>()))
            .Where(m => m.attribute is not null)
            .OrderBy(m => m.method.MetadataToken);
        foreach (var (method, attribute) in methods)
        {
            yield return Declare(assetClass, method, attribute!);
        }
    }

    /// <summary>An asset added in code (<see cref="ICodeLocationBuilder.AddAsset(AssetSpecification, Func{AssetContext, ValueTask{MaterializeResult}})"/> and its overloads).</summary>
    public static DeclaredAsset Declare(AssetSpecification specification, Delegate userCode, Type? instanceType, Func<object?, AssetContext, ValueTask<object?>> materialize, string source) =>
        new(specification, instanceType ?? userCode.Method.DeclaringType ?? typeof(AssetSpecification), userCode.Method, source)
        {
            Materialize = materialize,
            InstanceType = instanceType,
        };

    /// <summary>
    /// One specification with its delegate, defined on its own: its problems are thrown at once rather than collected.
    /// For a definition made outside the builder's declared assets; a builder method should declare instead, so its
    /// problems are named with the others.
    /// </summary>
    public static AssetDefinition Read(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize, string codeLocation)
    {
        var problems = new List<string>();
        var definition = Define(CodeAssets.Of(specification, materialize, $"in code location '{codeLocation}'"), codeLocation, problems);
        return problems.Count == 0 ? definition : throw new AssetGraphException($"Invalid asset graph: {string.Join("; ", problems)}.");
    }

    /// <summary>Checks a declared asset's specification and makes its definition; what is wrong goes to <paramref name="problems"/>.</summary>
    public static AssetDefinition Define(DeclaredAsset declared, string codeLocation, List<string> problems)
    {
        var specification = declared.Specification;
        var key = specification.Key ?? string.Empty;
        var where = declared.Source;
        if (AssetKeys.Problem(key) is { } why)
        {
            problems.Add($"asset key '{UserText.Shorten(key)}' ({where}) {why}");
        }

        problems.AddRange(declared.Problems);
        if (declared.External && specification.Inputs.Count > 0)
        {
            // Inputs are values handed to code, and an external asset has none here: its upstream can only order it.
            problems.Add($"external asset '{UserText.Shorten(key)}' ({where}) lists Inputs ({string.Join(", ", specification.Inputs.Select(i => $"'{UserText.Shorten(i)}'"))}), but no code of ours computes it; list them in Deps");
        }

        var inputs = ValidKeys(specification.Inputs, key, where, "takes as input", problems);
        var deps = ValidKeys(specification.Deps, key, where, "depends on", problems);
        var spec = new AssetSpec
        {
            Key = key,
            Description = specification.Description,
            Group = string.IsNullOrWhiteSpace(specification.Group) ? "default" : specification.Group,
            Tags = new Dictionary<string, string>(specification.Tags, StringComparer.Ordinal),
            Owners = [.. specification.Owners],
            Kinds = [.. specification.Kinds.Distinct(StringComparer.Ordinal)],
            Inputs = inputs,
            Dependencies = [.. inputs.Concat(deps).Distinct(StringComparer.Ordinal)],
            CodeLocation = codeLocation,
            IOManager = string.IsNullOrWhiteSpace(specification.IOManager) ? null : specification.IOManager,
            Config = ConfigSchema.Of(declared.Parameters),
            // No code of ours computes an external asset: a code version would make its downstream stale for nothing.
            CodeVersion = declared.External ? null : CodeVersionOf(specification.CodeVersion),
            IsExternal = declared.External,
            MultiAsset = declared.Multi?.Name,
            Subsettable = declared.Multi?.CanSubset ?? false,
            Retry = RetryPolicies.ToSpec(specification.RetryPolicy, $"asset '{key}' ({where})", problems),
            MaxRunTimeMs = MaxRunTimeOf(specification.MaxRunTime, $"asset '{key}' ({where})", problems),
        };
        return new AssetDefinition(spec, declared.DeclaringType, declared.Method, declared.Parameters)
        {
            Multi = declared.Multi,
            Materialize = declared.Materialize,
            InstanceType = declared.InstanceType,
            Source = where,
            InputNames = declared.InputNames ?? new Dictionary<string, string>(StringComparer.Ordinal),
        };
    }

    /// <summary>Reads the <see cref="OpAttribute"/> methods of one ops class: steps of jobs that materialize nothing.</summary>
    public static IEnumerable<AssetDefinition> ReadOps(Type opsClass, string codeLocation, List<string> problems)
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
            if (AssetKeys.Problem(key) is { } why)
            {
                problems.Add($"op key '{UserText.Shorten(key)}' ({where}) {why}");
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
                Retry = RetryPolicies.ToSpec(RetryPolicies.Of(method), $"op '{key}' ({where})", problems),
            }, opsClass, method, parameters);
        }
    }

    /// <summary>An <see cref="AssetAttribute"/> method as the specification it declares: its parameters named after assets are its inputs.</summary>
    private static DeclaredAsset Declare(Type assetClass, MethodInfo method, AssetAttribute attribute)
    {
        var where = $"{assetClass.Name}.{method.Name}";
        var key = attribute.Key ?? AssetKeys.ToSnakeCase(TrimAsync(method.Name));
        var problems = new List<string>();
        if (method.IsGenericMethodDefinition)
        {
            problems.Add($"asset '{key}' ({where}) is a generic method; an asset's method cannot be generic");
        }

        var parameters = method.GetParameters().Select(ReadParameter).ToList();
        var inputs = parameters.Where(p => p.Kind == AssetParameterKind.Upstream).Select(p => p.UpstreamKey!).ToList();
        var specification = new AssetSpecification(key)
        {
            Description = attribute.Description,
            Group = attribute.Group,
            Tags = ParseTags(attribute.Tags, key, where, problems),
            Owners = attribute.Owners,
            Kinds = attribute.Kinds,
            Inputs = inputs,
            Deps = [.. attribute.Deps.Where(d => !inputs.Contains(d, StringComparer.Ordinal))],
            IOManager = attribute.IOManager,
            CodeVersion = attribute.CodeVersion,
            RetryPolicy = RetryPolicies.Of(method),
            MaxRunTime = attribute.MaxRunTimeSeconds == 0 ? null : TimeSpan.FromSeconds(attribute.MaxRunTimeSeconds),
        };
        return new DeclaredAsset(specification, assetClass, method, where) { Parameters = parameters, Problems = problems };
    }

    /// <summary>The valid keys of <paramref name="keys"/>, each invalid one reported (and left out, so it is not reported again as unknown).</summary>
    private static List<string> ValidKeys(IReadOnlyList<string> keys, string key, string where, string how, List<string> problems)
    {
        var valid = new List<string>(keys.Count);
        foreach (var upstream in keys)
        {
            if (AssetKeys.Problem(upstream) is { } why)
            {
                problems.Add($"asset '{UserText.Shorten(key)}' ({where}) {how} '{UserText.Shorten(upstream ?? string.Empty)}', which is not a valid asset key: it {why}");
            }
            else
            {
                valid.Add(upstream);
            }
        }

        return valid;
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

    private static Dictionary<string, string> ParseTags(string[] tags, string key, string where, List<string> problems)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? tag : tag[..equals]).Trim();
            if (name.Length == 0)
            {
                problems.Add($"asset '{key}' ({where}) has a tag '{tag}' without a name; write tags as 'name=value'");
                continue;
            }

            parsed[name] = equals < 0 ? string.Empty : tag[(equals + 1)..].Trim();
        }

        return parsed;
    }

    /// <summary>A blank code version is no code version: "" and null must not read as a change between them.</summary>
    private static double? MaxRunTimeOf(TimeSpan? maxRunTime, string describe, List<string> problems)
    {
        if (maxRunTime is { } limit && limit <= TimeSpan.Zero)
        {
            problems.Add($"{describe} has a maximum run time of {limit}; it must be positive");
            return null;
        }

        return maxRunTime?.TotalMilliseconds;
    }

    private static string? CodeVersionOf(string? declared) => string.IsNullOrWhiteSpace(declared) ? null : declared.Trim();

    private static string TrimAsync(string name) =>
        name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;
}
