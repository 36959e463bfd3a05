namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// Assets added with plain delegates that pass values: a source that returns an <see cref="Output{T}"/> and a total
/// that loads it with <see cref="AssetContext.LoadInputAsync{T}(string)"/>, by its key without the group's prefix.
/// </summary>
public sealed class DelegateAssetsLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder.AddAssetGroup("delegates", group =>
    {
        group.KeyPrefix = "demo";
        group.AddAsset(
            new AssetSpecification("numbers") { Kinds = ["json"] },
            context => ValueTask.FromResult(new Output<int[]>([1, 2, 3, 4]) { Metadata = { ["count"] = 4 } }));
        group.AddAsset(
            new AssetSpecification("total") { Inputs = ["numbers"] },
            async context =>
            {
                var numbers = await context.LoadInputAsync<int[]>("numbers");
                return new Output<long>(numbers.Sum()) { Metadata = { ["total"] = numbers.Sum(), ["input_key"] = "demo/numbers" } };
            });
    });
}
