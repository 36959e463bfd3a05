namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// Two assets added in code, each with a code version: a source and a report on it. The code version test
/// publishes the location again with the source's code version changed, as a silo loading changed code would.
/// </summary>
public sealed class VersionedLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAsset(new AssetSpecification("versioned_source") { Group = "versioned", CodeVersion = "v1" }, _ => ValueTask.FromResult(new MaterializeResult()))
        .AddAsset(new AssetSpecification("versioned_report") { Group = "versioned", Deps = ["versioned_source"], CodeVersion = "1" }, _ => ValueTask.FromResult(new MaterializeResult()));
}
