using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansAssets.CodeLocations;

/// <summary>Collects what an <see cref="ICodeLocation"/> registers.</summary>
internal sealed class CodeLocationBuilder(string name, IConfiguration configuration) : ICodeLocationBuilder
{
    private readonly List<Type> _assetClasses = [];
    private readonly Dictionary<string, Type> _ioManagers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _fromOtherLocations = new(StringComparer.Ordinal);
    private readonly List<AssetDefinition> _externalAssets = [];
    private readonly List<AssetDefinition> _definedAssets = [];
    private readonly List<Type> _opClasses = [];
    private readonly List<JobDefinition> _jobs = [];
    private readonly List<ScheduleDefinition> _schedules = [];
    private readonly List<object> _sensors = [];

    public string Name { get; } = name;

    public IConfiguration Configuration { get; } = configuration;

    public IServiceCollection Services { get; } = new ServiceCollection();

    public IReadOnlyList<Type> AssetClasses => _assetClasses;

    public IReadOnlyDictionary<string, Type> IOManagers => _ioManagers;

    /// <summary>Keys of other code locations that assets here depend on (<see cref="AddAssetsFromOtherLocations"/>).</summary>
    public IReadOnlySet<string> AssetsFromOtherLocations => _fromOtherLocations;

    /// <summary>External assets (<see cref="AddExternalAsset"/>), in the order they were added.</summary>
    public IReadOnlyList<AssetDefinition> ExternalAssets => _externalAssets;

    /// <summary>Assets added with <see cref="AddAsset"/>, in the order they were added.</summary>
    public IReadOnlyList<AssetDefinition> DefinedAssets => _definedAssets;

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

    public ICodeLocationBuilder AddAsset(AssetSpecification specification, Func<AssetContext, ValueTask<MaterializeResult>> materialize)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        _definedAssets.Add(AssetDefinitionReader.Read(specification, materialize, Name));
        return this;
    }

    public ICodeLocationBuilder AddMultiAsset(MultiAssetSpecification specification, Func<AssetContext, ValueTask<MultiAssetResult>> materialize)
    {
        ArgumentNullException.ThrowIfNull(specification);
        ArgumentNullException.ThrowIfNull(materialize);
        _definedAssets.AddRange(MultiAssetReader.Read(specification, materialize, Name));
        return this;
    }

    public ICodeLocationBuilder AddAssets<TAssets>() where TAssets : class
    {
        if (!_assetClasses.Contains(typeof(TAssets)))
        {
            _assetClasses.Add(typeof(TAssets));
        }

        return this;
    }

    public ICodeLocationBuilder AddResource<TResource>(string configurationSection) where TResource : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        Services.AddKeyedSingleton(configurationSection, (_, _) => BindResource<TResource>(configurationSection));
        Services.AddSingleton(sp => sp.GetRequiredKeyedService<TResource>(configurationSection));
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

    public ICodeLocationBuilder AddExternalAsset(AssetSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        _externalAssets.Add(AssetDefinitionReader.ReadExternal(specification, Name));
        return this;
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
