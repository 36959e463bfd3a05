using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using OrleansAssets.Execution;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// Places a grain only on silos that load the code location named at the start of its key, so user code runs
/// where its assembly is loaded.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CodeLocationPlacementFilterAttribute() : PlacementFilterAttribute(new CodeLocationPlacementFilterStrategy());

public sealed class CodeLocationPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Reads each silo's <see cref="SiloCodeLocations.MetadataKey"/> from the silo metadata the cluster shares.</summary>
internal sealed class CodeLocationPlacementFilterDirector(
    ISiloMetadataCache metadata,
    ILocalSiloDetails localSilo,
    CodeLocationRegistry localLocations) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var codeLocation = StepExecutorKey.CodeLocationOf(target.GrainIdentity.Key.ToString()!);
        var matching = silos.Where(silo => silo.Equals(localSilo.SiloAddress)
            ? localLocations.Loads(codeLocation)
            : SiloCodeLocations.Read(metadata.GetSiloMetadata(silo)).Contains(codeLocation)).ToList();
        return matching.Count > 0
            ? matching
            : throw new CodeLocationUnavailableException($"No live silo loads code location '{codeLocation}'.");
    }
}

/// <summary>How a silo tells the others which code locations it loads: one silo-metadata entry.</summary>
internal static class SiloCodeLocations
{
    public const string MetadataKey = "oa.codelocations";

    public static IReadOnlySet<string> Read(SiloMetadata metadata)
    {
        // Metadata keys keep the casing of their source (environment variables upper-case them).
        foreach (var (key, value) in metadata.Metadata)
        {
            if (string.Equals(key, MetadataKey, StringComparison.OrdinalIgnoreCase))
            {
                return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            }
        }

        return new HashSet<string>();
    }
}
