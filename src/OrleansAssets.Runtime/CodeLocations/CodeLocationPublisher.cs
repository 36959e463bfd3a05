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
            var version = await PublishAsync(catalog, location, cancellationToken);
            LogPublished(logger, location.Name, location.Version, location.Assets.Count, version);
        }

        graphs.Invalidate();
    }

    /// <summary>
    /// Publishes one code location, asking again while the cluster settles: when several silos start at once, the
    /// catalog's silo may be declared dead or its activation may lose a write race. A refusal (the definitions clash
    /// with another code location's) is final and stops this silo.
    /// </summary>
    private async Task<long> PublishAsync(IAssetCatalogGrain catalog, LoadedCodeLocation location, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(4).Ticks)))
        {
            try
            {
                return await catalog.Publish(location.Manifest, silo.SiloAddress.ToParsableString());
            }
            catch (Exception e) when (e is not AssetGraphException && clock.Elapsed < PublishPatience && !cancellationToken.IsCancellationRequested)
            {
                LogPublishRetry(logger, location.Name, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private static readonly TimeSpan PublishPatience = TimeSpan.FromSeconds(60);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish code location {CodeLocation} yet; trying again in {Delay:0.##} s: {Error}")]
    private static partial void LogPublishRetry(ILogger logger, string codeLocation, double delay, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded code location {CodeLocation} {Version}: {AssetCount} assets (catalog version {CatalogVersion})")]
    private static partial void LogPublished(ILogger logger, string codeLocation, string version, int assetCount, long catalogVersion);
}
