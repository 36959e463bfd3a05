using Microsoft.Extensions.Logging;
using OrleansAssets.Graph;
using OrleansAssets.Hosting;

namespace OrleansAssets.CodeLocations;

[GenerateSerializer, Alias("oa.AssetCatalogState")]
public sealed class AssetCatalogState
{
    [Id(0)] public long Version { get; set; }

    [Id(1)] public Dictionary<string, CodeLocationManifest> CodeLocations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Silo address to the code locations it published, so dead silos still show what they loaded.</summary>
    [Id(2)] public Dictionary<string, List<string>> Publishers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The one catalog of the cluster (key 0). Code locations survive their silos here: a step of a code location
/// with no live silo waits for one instead of failing as unknown.
/// </summary>
internal sealed partial class AssetCatalogGrain(
    [PersistentState("catalog", OrleansAssetsStorage.GrainStorageName)] IPersistentState<AssetCatalogState> state,
    ILogger<AssetCatalogGrain> logger) : Grain, IAssetCatalogGrain
{
    /// <summary>Dead silos' entries beyond this many are forgotten, oldest first.</summary>
    private const int MaxPublishers = 256;

    public async Task<long> Publish(CodeLocationManifest manifest, string siloAddress)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PublishOnceAsync(manifest, siloAddress);
            }
            catch (Exception e) when (e is not AssetGraphException)
            {
                // The change was made in memory but not stored (another activation wrote first while silos were
                // joining, or the database was away): read what is stored and apply the change to that instead.
                await state.ReadStateAsync();
                if (attempt >= 5 || e is not Orleans.Storage.InconsistentStateException)
                {
                    throw;
                }
            }
        }
    }

    private async Task<long> PublishOnceAsync(CodeLocationManifest manifest, string siloAddress)
    {
        var catalog = state.State;
        var changed = !catalog.CodeLocations.TryGetValue(manifest.Name, out var current) || !SameManifest(current, manifest);
        if (changed)
        {
            var others = catalog.CodeLocations.Values.Where(l => l.Name != manifest.Name).Append(manifest).ToList();
            AssetGraphValidator.Validate(
                others.SelectMany(l => l.Assets).Concat(others.SelectMany(l => l.Ops)).ToList(),
                others.SelectMany(l => l.AssetsFromOtherLocations).ToHashSet(StringComparer.Ordinal));
            Automation.AutomationReader.RequireUniqueNames(others.Select(l => (l.Name, l.Jobs.Select(j => j.Name), l.Schedules.Select(s => s.Name), l.Sensors.Select(s => s.Name))));
            catalog.CodeLocations[manifest.Name] = manifest;
            catalog.Version++;
            LogPublished(logger, manifest.Name, manifest.Version, manifest.Assets.Count, catalog.Version);
        }

        var locations = catalog.Publishers.TryGetValue(siloAddress, out var list) ? list : catalog.Publishers[siloAddress] = [];
        var newPublisher = !locations.Contains(manifest.Name);
        if (newPublisher)
        {
            locations.Add(manifest.Name);
            while (catalog.Publishers.Count > MaxPublishers)
            {
                catalog.Publishers.Remove(catalog.Publishers.Keys.First());
            }
        }

        if (changed || newPublisher)
        {
            await state.WriteStateAsync();
        }

        return catalog.Version;
    }

    public Task<AssetGraphSnapshot?> GetGraph(long knownVersion) => Task.FromResult(
        knownVersion == state.State.Version && knownVersion != 0
            ? null
            : new AssetGraphSnapshot { Version = state.State.Version, CodeLocations = [.. state.State.CodeLocations.Values] });

    public Task<Dictionary<string, List<string>>> GetPublishers() =>
        Task.FromResult(state.State.Publishers.ToDictionary(p => p.Key, p => p.Value.ToList(), StringComparer.Ordinal));

    private static bool SameManifest(CodeLocationManifest a, CodeLocationManifest b) =>
        a.Version == b.Version && a.Assembly == b.Assembly && a.Assets.SequenceEqual(b.Assets, AssetSpecComparer.Instance)
        && a.AssetsFromOtherLocations.SequenceEqual(b.AssetsFromOtherLocations) && a.Ops.SequenceEqual(b.Ops, AssetSpecComparer.Instance)
        && SameJson(a.Jobs, b.Jobs) && SameJson(a.Schedules, b.Schedules) && SameJson(a.Sensors, b.Sensors);

    private static bool SameJson<T>(List<T> a, List<T> b) =>
        a.Select(x => System.Text.Json.JsonSerializer.Serialize(x)).SequenceEqual(b.Select(x => System.Text.Json.JsonSerializer.Serialize(x)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Code location {CodeLocation} {Version} published {AssetCount} assets; catalog version {CatalogVersion}")]
    private static partial void LogPublished(ILogger logger, string codeLocation, string version, int assetCount, long catalogVersion);
}

/// <summary>Compares specs by value, collections included (records compare lists by reference).</summary>
internal sealed class AssetSpecComparer : IEqualityComparer<Assets.AssetSpec>
{
    public static AssetSpecComparer Instance { get; } = new();

    public bool Equals(Assets.AssetSpec? x, Assets.AssetSpec? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && x.Key == y.Key && x.Description == y.Description && x.Group == y.Group && x.CodeLocation == y.CodeLocation
            && x.IOManager == y.IOManager && x.Dependencies.SequenceEqual(y.Dependencies) && x.Inputs.SequenceEqual(y.Inputs)
            && x.Owners.SequenceEqual(y.Owners) && x.Kinds.SequenceEqual(y.Kinds) && x.Tags.Count == y.Tags.Count && !x.Tags.Except(y.Tags).Any()
            && x.Kind == y.Kind && x.Config.SequenceEqual(y.Config) && x.CodeVersion == y.CodeVersion
            && x.IsExternal == y.IsExternal && x.MultiAsset == y.MultiAsset && x.Subsettable == y.Subsettable
            && RetryPolicies.Same(x.Retry, y.Retry) && x.MaxRunTimeMs == y.MaxRunTimeMs);

    public int GetHashCode(Assets.AssetSpec obj) => obj.Key.GetHashCode(StringComparison.Ordinal);
}
