using System.Reflection;
using Microsoft.Extensions.Configuration;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// The code locations this silo loads, read and validated when the silo is built, so a broken graph stops the
/// silo before it joins the cluster.
/// </summary>
internal sealed class CodeLocationRegistry
{
    private readonly Dictionary<string, LoadedCodeLocation> _locations;

    private CodeLocationRegistry(Dictionary<string, LoadedCodeLocation> locations) => _locations = locations;

    public IReadOnlyCollection<LoadedCodeLocation> Locations => _locations.Values;

    public IEnumerable<string> Names => _locations.Keys;

    public bool Loads(string codeLocation) => _locations.ContainsKey(codeLocation);

    public LoadedCodeLocation Get(string codeLocation) => _locations.TryGetValue(codeLocation, out var location)
        ? location
        : throw new CodeLocationUnavailableException($"This silo does not load code location '{codeLocation}'.");

    public static CodeLocationRegistry Load(IEnumerable<CodeLocationOptions> options, IConfiguration configuration)
    {
        var read = options.Select(o => ReadOne(o, configuration)).ToList();
        foreach (var twice in read.GroupBy(r => r.Name).Where(g => g.Count() > 1))
        {
            throw new AssetGraphException($"Invalid configuration: code location '{twice.Key}' is configured twice.");
        }

        Automation.AutomationReader.RequireUniqueNames(read.Select(r => (r.Name, (IEnumerable<string>)r.Builder.Jobs.Select(j => j.Name).ToList(), r.Schedules.Select(s => s.Name), r.Sensors.Select(s => s.Name))));

        // Validate before indexing by key, so duplicates are reported as such, with every other problem. Ops are
        // steps of the same graph (they depend on assets or ops; nothing depends on them but ops).
        var definitions = read.SelectMany(r => r.Assets).ToList();
        JobReader.ValidateOpsAreLeaves(definitions.Select(d => d.Spec).ToList(), spec => definitions.First(d => ReferenceEquals(d.Spec, spec)).Describe());
        var describe = definitions.ToDictionary<AssetDefinition, object, string>(d => d.Spec, d => d.Describe(), ReferenceEqualityComparer.Instance);
        AssetGraphValidator.Validate(
            definitions.Select(d => d.Spec).ToList(),
            read.SelectMany(r => r.Builder.AssetsFromOtherLocations).ToHashSet(StringComparer.Ordinal),
            spec => describe[spec],
            read.SelectMany(r => r.Problems));
        return new CodeLocationRegistry(read.ToDictionary(
            r => r.Name,
            r => new LoadedCodeLocation(r.Name, r.Assembly, r.Builder, r.Assets, r.Schedules, r.Sensors),
            StringComparer.Ordinal));
    }

    private static (string Name, Assembly Assembly, CodeLocationBuilder Builder, List<AssetDefinition> Assets, List<Automation.ScheduleSpec> Schedules, List<Automation.SensorSpec> Sensors, List<string> Problems) ReadOne(CodeLocationOptions option, IConfiguration configuration)
    {
        Type definitionsType;
        string? defaultName;
        Assembly assembly;
        if (option.Definitions is { } compiledIn)
        {
            definitionsType = compiledIn;
            assembly = compiledIn.Assembly;
            defaultName = assembly.GetCustomAttribute<CodeLocationAttribute>() is { } a && a.Definitions == compiledIn ? a.Name : null;
        }
        else
        {
            var path = ResolvePath(option);
            var context = new CodeLocationLoadContext(option.Name ?? Path.GetFileNameWithoutExtension(path), path);
            assembly = context.LoadFromAssemblyPath(path);
            var attribute = assembly.GetCustomAttribute<CodeLocationAttribute>()
                ?? throw new OrleansAssetsException(DescribeMissingAttribute(assembly, path));
            definitionsType = attribute.Definitions;
            defaultName = attribute.Name;
        }

        var name = option.Name ?? defaultName ?? AssetKeys.ToSnakeCase(assembly.GetName().Name!.Replace(".", string.Empty, StringComparison.Ordinal));
        if (!AssetKeys.IsValid(name) || name.Contains('/', StringComparison.Ordinal))
        {
            throw new OrleansAssetsException($"Invalid configuration: code location name '{name}' is not valid; use letters, digits and '_'.");
        }

        if (!typeof(ICodeLocation).IsAssignableFrom(definitionsType) || definitionsType.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new OrleansAssetsException($"Code location '{name}': {definitionsType.FullName} must implement {nameof(ICodeLocation)} and have a public parameterless constructor.");
        }

        var builder = new CodeLocationBuilder(name, configuration);
        ((ICodeLocation)Activator.CreateInstance(definitionsType)!).Configure(builder);
        // Every form of asset is read the same way; problems are collected so the silo names all of them at once.
        var problems = new List<string>(builder.Problems);
        var assets = builder.DeclaredAssets.Select(d => AssetDefinitionReader.Define(d, name, problems))
            .Concat(builder.OpClasses.SelectMany(c => AssetDefinitionReader.ReadOps(c, name, problems)))
            .ToList();
        if (RetryPolicies.ToSpec(builder.DefaultRetryPolicy, $"code location '{name}' (UseRetryPolicy)") is { } defaultRetry)
        {
            assets = [.. assets.Select(a => a.Spec.Retry is null ? a with { Spec = a.Spec with { Retry = defaultRetry } } : a)];
        }

        JobReader.Validate(name, builder.Jobs, assets);
        if (assets.Count == 0)
        {
            throw new OrleansAssetsException($"Code location '{name}' ({definitionsType.FullName}) registers no assets; call builder.AddAssets<T>() with a class that has [Asset] methods, or builder.AddAsset(...).");
        }

        problems.AddRange(assets.Where(a => a.Spec.IOManager is { } io && !builder.IOManagers.ContainsKey(io))
            .Select(a => $"asset {a.Describe()} names IO manager '{a.Spec.IOManager}', which code location '{name}' does not register"));

        var (schedules, sensors) = Automation.AutomationReader.Read(name, builder.Schedules, builder.Sensors, builder.Jobs.Select(j => j.Name).ToHashSet(StringComparer.Ordinal),
            assets.Where(a => a.Spec.Kind == Assets.StepKind.Asset).Select(a => a.Key).Concat(builder.AssetsFromOtherLocations).ToHashSet(StringComparer.Ordinal));
        return (name, assembly, builder, assets, schedules, sensors, problems);
    }

    private static string ResolvePath(CodeLocationOptions option)
    {
        if (string.IsNullOrWhiteSpace(option.Assembly))
        {
            throw new OrleansAssetsException($"Invalid configuration: code location '{option.Name}' names no assembly; set OrleansAssets:CodeLocations:N:Assembly to the path of its .dll.");
        }

        var candidates = Path.IsPathRooted(option.Assembly)
            ? [option.Assembly]
            : new[] { Path.GetFullPath(option.Assembly), Path.Combine(AppContext.BaseDirectory, option.Assembly) };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new OrleansAssetsException($"Code location '{option.Name}': assembly '{option.Assembly}' not found (looked in {string.Join(" and ", candidates)}).");
    }

    private static string DescribeMissingAttribute(Assembly assembly, string path)
    {
        var abstractions = assembly.GetReferencedAssemblies().FirstOrDefault(r => r.Name == typeof(ICodeLocation).Assembly.GetName().Name);
        return abstractions is null
            ? $"'{path}' does not reference OrleansAssets.Abstractions, so it defines no code location."
            : $"'{path}' has no [assembly: CodeLocation(typeof(...))] attribute naming its {nameof(ICodeLocation)}; add one so the silo knows what it exports.";
    }
}
