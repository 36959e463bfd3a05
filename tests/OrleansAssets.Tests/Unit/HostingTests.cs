using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Unit;

/// <summary>The silo's registrations as the ecosystem expects them: options validated before start, calls that are safe twice.</summary>
public sealed class HostingTests
{
    private static IHost Build(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            configure(silo);
        });
        return builder.Build();
    }

    [Fact]
    public void Settings_that_cannot_work_stop_the_host_naming_each_one()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(silo => silo.UseInMemoryAssetStorage().AddOrleansAssets(o =>
        {
            o.AddCodeLocation<VersionedLocation>("versioned");
            o.MaxStepAttempts = 0;
            o.StepTimeout = TimeSpan.FromSeconds(-1);
            o.RunQueue.MaxConcurrentRuns = 0;
        })));

        Assert.Contains("OrleansAssets:MaxStepAttempts must be at least 1 (is 0)", error.Failures);
        Assert.Contains("OrleansAssets:StepTimeout must be positive when set (is -00:00:01)", error.Failures);
        Assert.Contains("OrleansAssets:RunQueue:MaxConcurrentRuns must be at least 1 (is 0)", error.Failures);
    }

    [Fact]
    public void The_options_come_from_the_options_pattern_with_the_delegate_applied_and_a_validator_registered()
    {
        using var host = Build(silo => silo.UseInMemoryAssetStorage().AddOrleansAssets(o =>
        {
            o.AddCodeLocation<VersionedLocation>("versioned");
            o.StepTimeout = TimeSpan.FromMinutes(3);
        }));

        Assert.Equal(TimeSpan.FromMinutes(3), host.Services.GetRequiredService<IOptions<OrleansAssetsOptions>>().Value.StepTimeout);
        Assert.Single(host.Services.GetServices<IValidateOptions<OrleansAssetsOptions>>(), v => v is OrleansAssetsOptionsValidator);
    }

    [Fact]
    public void Adding_orleans_assets_or_its_storage_twice_registers_them_once_and_settings_given_twice_or_two_storages_are_refused()
    {
        using var host = Build(silo => silo
            .UseInMemoryAssetStorage()
            .UseInMemoryAssetStorage()
            .AddOrleansAssets(o => o.AddCodeLocation<VersionedLocation>("versioned"))
            .AddOrleansAssets());
        Assert.Single(host.Services.GetServices<Storage.IRunStore>());
        Assert.Single(host.Services.GetServices<ILifecycleParticipant<ISiloLifecycle>>().OfType<CodeLocations.CodeLocationPublisher>());

        var twice = Assert.Throws<InvalidOperationException>(() => Build(silo => silo.UseInMemoryAssetStorage()
            .AddOrleansAssets(o => o.AddCodeLocation<VersionedLocation>("versioned"))
            .AddOrleansAssets(o => o.MaxStepAttempts = 2)));
        Assert.Contains("AddOrleansAssets was called a second time with settings", twice.Message);
    }
}
