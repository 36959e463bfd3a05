using OrleansAssets;

[assembly: CodeLocation(typeof(LargeCatalog.LargeCatalogLocation), Name = "large")]

namespace LargeCatalog;

/// <summary>
/// 10,000 assets in 100 groups, made from data at load time: each group is 10 layers of 10 assets, each asset
/// after two of the layer before it, and each group's first layer after the last layer of the group before.
/// Sizes come from <c>LargeCatalog:Groups</c> and <c>LargeCatalog:PerGroup</c> (100 and 100 by default).
/// </summary>
public sealed class LargeCatalogLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder)
    {
        var groups = int.TryParse(builder.Configuration["LargeCatalog:Groups"], out var g) ? g : 100;
        var perGroup = int.TryParse(builder.Configuration["LargeCatalog:PerGroup"], out var n) ? n : 100;
        const int width = 10;
        for (var group = 0; group < groups; group++)
        {
            for (var i = 0; i < perGroup; i++)
            {
                var (layer, column) = (i / width, i % width);
                var deps = layer > 0
                    ? new[] { Key(group, ((layer - 1) * width) + column), Key(group, ((layer - 1) * width) + ((column + 1) % width)) }
                    : group > 0 && perGroup >= width ? [Key(group - 1, perGroup - width + column)] : [];
                builder.AddAsset(
                    new AssetSpecification(Key(group, i)) { Deps = deps, Group = $"group_{group:D3}", Description = $"asset {i} of group {group}" },
                    context => ValueTask.FromResult(new MaterializeResult { Metadata = { ["layer"] = layer, ["column"] = column } }));
            }
        }
    }

    private static string Key(int group, int index) => $"g{group:D3}_a{index:D3}";
}
