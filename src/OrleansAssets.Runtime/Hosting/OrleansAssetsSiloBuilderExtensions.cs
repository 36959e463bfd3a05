using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OrleansAssets.CodeLocations;
using OrleansAssets.Execution;
using OrleansAssets.Graph;
using OrleansAssets.IO;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Hosting;

public static class OrleansAssetsSiloBuilderExtensions
{
    /// <summary>
    /// Makes this silo an OrleansAssets silo: loads and validates the code locations named in the
    /// <c>OrleansAssets</c> configuration section (and by <paramref name="configure"/>), publishes them to the
    /// cluster, and hosts the asset, run, catalog and executor grains. Choose the storage with
    /// <see cref="UseInMemoryAssetStorage"/> or a database package.
    /// </summary>
    /// <exception cref="AssetGraphException">The code locations' assets do not form a valid graph; the message names them.</exception>
    public static ISiloBuilder AddOrleansAssets(this ISiloBuilder builder, Action<OrleansAssetsOptions>? configure = null)
    {
        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(OrleansAssetsMarker)))
        {
            // Called twice (a library and the host both add it): the silo is an OrleansAssets silo once, with one
            // set of background services. Settings given the second time would be silently half-applied (the
            // code locations are loaded already), so those are refused rather than ignored.
            return configure is null
                ? builder
                : throw new InvalidOperationException("AddOrleansAssets was called a second time with settings; call it once with every setting (in one configure delegate or in the OrleansAssets configuration section).");
        }

        services.AddSingleton<OrleansAssetsMarker>();

        // The options pattern, as the host reads them (binding, the delegate, validation at start); they are read
        // once more here because loading user code while the host is built makes a broken graph (or a bad setting)
        // stop the silo before it joins the cluster.
        var optionsBuilder = services.AddOptions<OrleansAssetsOptions>().BindConfiguration(OrleansAssetsOptions.SectionName);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrleansAssetsOptions>, OrleansAssetsOptionsValidator>());
        var options = new OrleansAssetsOptions();
        builder.Configuration.GetSection(OrleansAssetsOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        if (new OrleansAssetsOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            throw new OptionsValidationException(OrleansAssetsOptions.SectionName, typeof(OrleansAssetsOptions), invalid.Failures);
        }

        var registry = CodeLocationRegistry.Load(options.CodeLocations, builder.Configuration);
        services.AddSingleton(registry);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AssetGraphCache>();
        services.AddSingleton<FileSystemIOManager>();
        services.AddSingleton<IOManagerResolver>();
        // One store, seen by each grain through the concerns it reads (and the one write path).
        services.AddSingleton<IRunEventWriter>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<IRunRecordStore>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<IRunQueueStore>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<IEventLogStore>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<IAssetStateStore>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<IAutomationStore>(sp => sp.GetRequiredService<IRunStore>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StorageCheck>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, CodeLocationPublisher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RunRecoveryService>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Automation.AutomationService>();
        services.AddSingleton<StepSlots>();
        services.AddSingleton<LocalAttempts>();
        services.AddSingleton<GracefulShutdown>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GracefulShutdown>());
        services.AddSingleton<Cluster.SiloDeaths>();
        services.AddSingleton<Events.RunEventFeed>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Events.RunEventFeed>());
        services.AddPlacementFilter<CodeLocationPlacementFilterStrategy, CodeLocationPlacementFilterDirector>(ServiceLifetime.Singleton);

        // Other silos learn which code locations this one loads from its silo metadata.
        var metadata = builder.Configuration.GetSection("Orleans:Metadata").Get<Dictionary<string, string>>() ?? [];
        metadata[SiloCodeLocations.MetadataKey] = string.Join(",", registry.Names);
        builder.UseSiloMetadata(metadata);
        return builder;
    }

    /// <summary>
    /// Keeps grain state and runs in this process's memory: dev mode and fast tests. Nothing survives a restart.
    /// </summary>
    public static ISiloBuilder UseInMemoryAssetStorage(this ISiloBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(IRunStore)))
        {
            // Once is enough; a second storage choice (in memory after Postgres, say) is a mistake to name.
            return builder.Services.Any(s => s.ServiceType == typeof(IRunStore) && s.ImplementationType == typeof(InMemoryRunStore))
                ? builder
                : throw new InvalidOperationException("UseInMemoryAssetStorage was called on a silo that has another asset storage already; choose one.");
        }

        builder.AddMemoryGrainStorage(OrleansAssetsStorage.GrainStorageName);
        builder.UseInMemoryReminderService();
        builder.Services.AddSingleton<IRunStore, InMemoryRunStore>();
        return builder;
    }

    /// <summary>Marks a service collection that AddOrleansAssets configured.</summary>
    private sealed class OrleansAssetsMarker;

    /// <summary>Fails the silo's start, with what to do, when no run storage was chosen.</summary>
    private sealed class StorageCheck(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(StorageCheck), ServiceLifecycleStage.First, _ =>
        {
            if (services.GetService<IRunStore>() is null)
            {
                throw new OrleansAssetsException("No OrleansAssets storage is configured: call UseInMemoryAssetStorage() for dev mode, or a database storage such as UsePostgresAssetStorage().");
            }

            return Task.CompletedTask;
        });
    }
}

/// <summary>Checks the settings before the silo starts, naming each one that cannot work.</summary>
internal sealed class OrleansAssetsOptionsValidator : IValidateOptions<OrleansAssetsOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansAssetsOptions options)
    {

        var problems = new List<string>();
        if (options.MaxConcurrentStepsPerRun < 1)
        {
            problems.Add($"MaxConcurrentStepsPerRun must be at least 1 (is {options.MaxConcurrentStepsPerRun})");
        }

        if (options.MaxConcurrentStepsPerSilo < 1)
        {
            problems.Add($"MaxConcurrentStepsPerSilo must be at least 1 (is {options.MaxConcurrentStepsPerSilo})");
        }

        if (options.MaxStepAttempts < 1)
        {
            problems.Add($"MaxStepAttempts must be at least 1 (is {options.MaxStepAttempts})");
        }

        if (options.RunQueue.MaxConcurrentRuns < 1)
        {
            problems.Add($"RunQueue:MaxConcurrentRuns must be at least 1 (is {options.RunQueue.MaxConcurrentRuns})");
        }

        foreach (var (limit, i) in options.RunQueue.TagLimits.Select((l, i) => (l, i)))
        {
            if (string.IsNullOrWhiteSpace(limit.Key))
            {
                problems.Add($"RunQueue:TagLimits:{i}:Key must name a tag");
            }

            if (limit.Limit < 1)
            {
                problems.Add($"RunQueue:TagLimits:{i}:Limit must be at least 1 (is {limit.Limit})");
            }
        }

        if (options.CancelGracePeriod <= TimeSpan.Zero)
        {
            problems.Add($"CancelGracePeriod must be positive (is {options.CancelGracePeriod})");
        }

        if (options.AssetHistoryLength < 1)
        {
            problems.Add($"AssetHistoryLength must be at least 1 (is {options.AssetHistoryLength})");
        }

        if (options.IOManager.KeepVersions < 1)
        {
            problems.Add($"IOManager:KeepVersions must be at least 1 (is {options.IOManager.KeepVersions})");
        }

        if (string.IsNullOrWhiteSpace(options.IOManager.Root))
        {
            problems.Add("IOManager:Root must be a directory");
        }

        if (options.StepTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"StepTimeout must be positive when set (is {timeout})");
        }

        return problems.Count > 0
            ? ValidateOptionsResult.Fail(problems.Select(p => $"{OrleansAssetsOptions.SectionName}:{p}"))
            : ValidateOptionsResult.Success;
    }
}
