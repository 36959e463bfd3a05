using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>A code location this silo has loaded: its definitions and, once asked for, its services.</summary>
internal sealed class LoadedCodeLocation
{
    private readonly CodeLocationBuilder _builder;
    private readonly Lock _gate = new();
    private ServiceProvider? _services;

    public LoadedCodeLocation(string name, Assembly assembly, CodeLocationBuilder builder, IReadOnlyList<AssetDefinition> assets, IReadOnlyList<Automation.ScheduleSpec> schedules, IReadOnlyList<Automation.SensorSpec> sensors)
    {
        Schedules = schedules;
        Sensors = sensors;
        SensorFunctions = builder.Sensors.OfType<SensorDefinition>().ToDictionary(s => s.Name, StringComparer.Ordinal);
        Name = name;
        Assembly = assembly;
        _builder = builder;
        Assets = assets.ToDictionary(a => a.Key, StringComparer.Ordinal);
        var assemblyName = assembly.GetName();
        Version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assemblyName.Version?.ToString()
            ?? "0";
        // The module version id changes with every build, so a redeploy of the same version is still told apart.
        Version = $"{Version}+{assembly.ManifestModule.ModuleVersionId.ToString("N")[..8]}";
    }

    public string Name { get; }

    public Assembly Assembly { get; }

    public string Version { get; }

    public IReadOnlyDictionary<string, AssetDefinition> Assets { get; }

    public IReadOnlySet<string> AssetsFromOtherLocations => _builder.AssetsFromOtherLocations;

    public IReadOnlyList<Automation.ScheduleSpec> Schedules { get; }

    public IReadOnlyList<Automation.SensorSpec> Sensors { get; }

    /// <summary>The functions of this location's function sensors, by name: evaluated only on silos that load it.</summary>
    public IReadOnlyDictionary<string, SensorDefinition> SensorFunctions { get; }

    public IReadOnlyDictionary<string, Type> IOManagers => _builder.IOManagers;

    public CodeLocations.CodeLocationManifest Manifest => new()
    {
        Name = Name,
        Assembly = Assembly.GetName().Name ?? Assembly.FullName ?? Name,
        Version = Version,
        Assets = [.. Assets.Values.Select(a => a.Spec).Where(s => s.Kind == StepKind.Asset).OrderBy(s => s.Key, StringComparer.Ordinal)],
        AssetsFromOtherLocations = [.. AssetsFromOtherLocations.Order(StringComparer.Ordinal)],
        Ops = [.. Assets.Values.Select(a => a.Spec).Where(s => s.Kind == StepKind.Op).OrderBy(s => s.Key, StringComparer.Ordinal)],
        Jobs = [.. _builder.Jobs.Select(j => JobReader.ToSpec(j, Name)).OrderBy(j => j.Name, StringComparer.Ordinal)],
        Schedules = [.. Schedules.OrderBy(s => s.Name, StringComparer.Ordinal)],
        Sensors = [.. Sensors.OrderBy(s => s.Name, StringComparer.Ordinal)],
    };

    /// <summary>
    /// The code location's own container: its resources, IO managers and whatever it registered, plus the host's
    /// logging and configuration. Kept apart from the silo's container so user registrations cannot disturb the silo.
    /// </summary>
    public IServiceProvider GetServices(IServiceProvider host)
    {
        lock (_gate)
        {
            if (_services is null)
            {
                IServiceCollection services = new ServiceCollection();
                foreach (var descriptor in _builder.Services)
                {
                    services.Add(descriptor);
                }

                services.AddSingleton(host.GetRequiredService<ILoggerFactory>());
                services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
                services.AddSingleton(_builder.Configuration);
                _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
            }

            return _services;
        }
    }
}
