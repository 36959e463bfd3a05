namespace OrleansAssets.Hosting;

/// <summary>Names of the Orleans providers OrleansAssets' grains use, so a host can register them.</summary>
public static class OrleansAssetsStorage
{
    /// <summary>The grain storage of asset and catalog grains.</summary>
    public const string GrainStorageName = "OrleansAssets";
}
