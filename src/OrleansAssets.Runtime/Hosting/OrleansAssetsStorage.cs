namespace OrleansAssets.Hosting;

/// <summary>Names of the Orleans providers OrleansAssets' grains use, so a host can register them.</summary>
public static class OrleansAssetsStorage
{
    /// <summary>The Orleans grain storage of the catalog grain (asset grains keep their state in the run storage, with their outcomes).</summary>
    public const string GrainStorageName = "OrleansAssets";
}
