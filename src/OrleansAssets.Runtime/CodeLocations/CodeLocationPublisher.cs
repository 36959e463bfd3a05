using Microsoft.Extensions.Logging;
using OrleansAssets.Graph;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// Publishes this silo's code locations to the catalog once the silo is active, before it reports ready, so a run
/// submitted to any silo sees them.
/// </summary>
internal sealed partial class CodeLocationPublisher(
    CodeLocationRegistry registry,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    AssetGraphCache graphs,
    ILogger<CodeLocationPublisher> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CodeLocationPublisher), ServiceLifecycleStage.Active, PublishAsync);

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<IAssetCatalogGrain>(0);
        foreach (var location in registry.Locations)
        {
            var version = await catalog.Publish(location.Manifest, silo.SiloAddress.ToParsableString());
            LogPublished(logger, location.Name, location.Version, location.Assets.Count, version);
        }

        graphs.Invalidate();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded code location {CodeLocation} {Version}: {AssetCount} assets (catalog version {CatalogVersion})")]
    private static partial void LogPublished(ILogger logger, string codeLocation, string version, int assetCount, long catalogVersion);
}
