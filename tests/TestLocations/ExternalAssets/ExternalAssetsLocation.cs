using OrleansAssets;

[assembly: CodeLocation(typeof(ExternalAssets.ExternalAssetsLocation), Name = "partner")]

namespace ExternalAssets;

/// <summary>
/// A partner drops a manifest and then a feed file; both are external assets (made elsewhere, reported with
/// <c>oa report</c>), and OrleansAssets makes a summary and a report from them. The asset sensor starts stopped, so a
/// report leaves the summary stale until a test starts the sensor or runs it.
/// </summary>
public sealed class ExternalAssetsLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddExternalAsset(new AssetSpecification("partner_manifest")
        {
            Group = "partner",
            Description = "The list of files the partner will send today",
            Owners = ["partner-ops@example.com"],
        })
        .AddExternalAsset(new AssetSpecification("partner_feed")
        {
            Group = "partner",
            Description = "The daily file a partner drops on SFTP",
            Deps = ["partner_manifest"],
            Kinds = ["csv"],
            Tags = new Dictionary<string, string> { ["source"] = "sftp" },
            Owners = ["partner-ops@example.com"],
        })
        .AddAsset(new AssetSpecification("feed_summary") { Group = "partner", Deps = ["partner_feed"], Description = "What arrived in the partner's feed" }, _ =>
            ValueTask.FromResult(new MaterializeResult { Metadata = new Dictionary<string, MetadataValue> { ["checked"] = true } }))
        .AddAsset(new AssetSpecification("feed_report") { Group = "partner", Deps = ["feed_summary"] }, _ => ValueTask.FromResult(new MaterializeResult()))
        .AddAssetSensor(new AssetSensorDefinition("partner_feed_arrived", ["partner_feed"]) { Selection = "feed_summary" });
}
