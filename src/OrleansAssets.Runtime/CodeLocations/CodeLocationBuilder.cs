using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansAssets.CodeLocations;

/// <summary>Collects what an <see cref="ICodeLocation"/> registers.</summary>
internal sealed class CodeLocationBuilder(string name, IConfiguration configuration) : ICodeLocationBuilder
{
    private readonly List<Type> _assetClasses = [];
    private readonly Dictionary<string, Type> _ioManagers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _fromOtherLocations = new(StringComparer.Ordinal);
    private readonly List<DeclaredAsset> _declaredAssets = [];
    private readonly List<string> _problems = [];
    private readonly List<Type> _opClasses = [];
    private readonly List<JobDefinition> _jobs = [];
    private readonly List<ScheduleDefinition> _schedules = [];
    private readonly List<object> _sensors = [];

    public string Name { get; } = name;

    public IConfiguration Configuration { get; } = configuration;

    public IServiceCollection Services { get; } = new ServiceCollection();

    public IReadOnlyDictionary<string, Type> IOManagers => _ioManagers;

    /// <summary>Keys of other code locations that assets here depend on (<see cref="AddAssetsFromOtherLocations"/>).</summary>
    public IReadOnlySet<string> AssetsFromOtherLocations => _fromOtherLocations;

    /// <summary>Assets of every form (attribute methods, specs added in code, asset groups), in the order they were added.</summary>
    public IReadOnlyList<DeclaredAsset> DeclaredAssets => _declaredAssets;

    /// <summary>What was wrong with what Configure added (an asset group's key prefix), reported with the graph's problems.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public IReadOnlyList<Type> OpClasses => _opClasses;

    public IReadOnlyList<JobDefinition> Jobs => _jobs;

    public IReadOnlyList<ScheduleDefinition> Schedules => _schedules;

    /// <summary>Sensors of every kind, in the order added.</summary>
    public IReadOnlyList<object> Sensors => _sensors;

    public ICodeLocationBuilder AddSchedule(ScheduleDefinition schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedules.Add(schedule);
        return this;
    }

    public ICodeLocationBuilder AddSensor(SensorDefinition sensor)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        _sensors.Add(sensor);
        return this;
    }

    public ICodeLocationBuilder AddAssetSensor(AssetSensorDefinition sensor)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        _sensors.Add(sensor);
        return this;
    }

    public ICodeLocationBuilder AddRunStatusSensor(RunStatusSensorDefinition sensor)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        _sensors.Add(sensor);
        return this;
    }

    public ICodeLocationBuilder AddOps<TOps>() where TOps : class
    {
        if (!_opClasses.Contains(typeof(TOps)))
        {
            _opClasses.Add(typeof(TOps));
        }

        return this;
    }

    public ICodeLocationBuilder AddJob(JobDefinition job)
    {
        ArgumentNullException.ThrowIfNull(job);
        _jobs.Add(job);
        return this;
    }

    public ICodeLocationBuilder AddAsset(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize) =>
        Declare(CodeAssets.Of(specification, materialize, CodeSource));

    public ICodeLocationBuilder AddAsset<TValue>(AssetSpecification specification, Func<AssetContext, ValueTask<Output<TValue>>> materialize) =>
        Declare(CodeAssets.Of(specification, materialize, CodeSource));

    public ICodeLocationBuilder AddAsset<TAssets>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<MaterializeResult>> materialize) where TAssets : class =>
        Declare(CodeAssets.Of(specification, materialize, CodeSource));

    public ICodeLocationBuilder AddAsset<TAssets, TValue>(AssetSpecification specification, Func<TAssets, AssetContext, ValueTask<Output<TValue>>> materialize) where TAssets : class =>
        Declare(CodeAssets.Of(specification, materialize, CodeSource));

    public ICodeLocationBuilder AddAssetGroup(string group, Action<IAssetGroupBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new AssetGroupBuilder(group, Name, Configuration);
        configure(builder);
        _declaredAssets.AddRange(builder.Complete(_problems));
        return this;
    }

    public ICodeLocationBuilder AddMultiAsset(MultiAssetSpecification specification, Func<AssetContext, ValueTask<MultiAssetResult>> materialize)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        _declaredAssets.AddRange(MultiAssetReader.Read(specification, materialize, Name, _problems));
        return this;
    }

    public ICodeLocationBuilder AddAssets<TAssets>() where TAssets : class
    {
        if (!_assetClasses.Contains(typeof(TAssets)))
        {
            _assetClasses.Add(typeof(TAssets));
            _declaredAssets.AddRange(AssetDefinitionReader.Declare(typeof(TAssets)));
        }

        return this;
    }

    private string CodeSource => $"in code location '{Name}'";

    private CodeLocationBuilder Declare(DeclaredAsset declared)
    {
        _declaredAssets.Add(declared);
        return this;
    }

    public ICodeLocationBuilder AddResource<TResource>(string configurationSection) where TResource : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        Services.AddKeyedSingleton(configurationSection, (_, _) => BindResource<TResource>(configurationSection));
        Services.AddSingleton(sp => sp.GetRequiredKeyedService<TResource>(configurationSection));
        return this;
    }

    /// <summary>The code location's default retry policy (<see cref="UseRetryPolicy"/>).</summary>
    public RetryPolicy? DefaultRetryPolicy { get; private set; }

    public ICodeLocationBuilder UseRetryPolicy(RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        DefaultRetryPolicy = policy;
        return this;
    }

    public ICodeLocationBuilder AddIOManager<TIOManager>(string name) where TIOManager : class, IIOManager
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _ioManagers[name] = typeof(TIOManager);
        Services.AddKeyedSingleton<IIOManager, TIOManager>(name);
        return this;
    }

    public ICodeLocationBuilder AddAssetsFromOtherLocations(params string[] keys)
    {
        foreach (var key in keys)
        {
            if (!AssetKeys.IsValid(key))
            {
                throw new AssetGraphException($"Invalid asset graph: code location '{Name}' declares '{key}' as an asset of another code location, which is not a valid asset key.");
            }

            _fromOtherLocations.Add(key);
        }

        return this;
    }

    /// <remarks>
    /// Declared like an asset added in code, so its spec is checked with every other asset's; its function is never
    /// run (runs leave external assets out of their plans), so reaching it is a bug, said as one.
    /// </remarks>
    public ICodeLocationBuilder AddExternalAsset(AssetSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var key = specification.Key;
        return Declare(AssetDefinitionReader.Declare(specification, NeverRun, null, async (_, context) => await NeverRun(context), $"external asset added with AddExternalAsset {CodeSource}") with { External = true });

        ValueTask<MaterializeResult> NeverRun(AssetContext context) =>
            throw new InvalidOperationException($"External asset '{key}' is produced outside OrleansAssets and is never materialized by a run; report its materializations (oa report {key}).");
    }

    private TResource BindResource<TResource>(string section) where TResource : class
    {
        try
        {
            var configured = Configuration.GetSection(section);
            return (configured.Exists() ? configured.Get<TResource>() : null)
                ?? Activator.CreateInstance<TResource>();
        }
        catch (Exception e) when (e is InvalidOperationException or MissingMethodException or FormatException)
        {
            throw new OrleansAssetsException($"Resource {typeof(TResource).Name} of code location '{Name}' cannot be bound from configuration section '{section}': {e.Message}", e);
        }
    }
}
