using OrleansAssets.Assets;
using OrleansAssets.Graph;

namespace OrleansAssets.Bench.Micro;

/// <summary>
/// The 10,000-asset graph every graph benchmark works on: 100 layers of 100 assets, <c>a{layer}_{i}</c>, each
/// depending on two assets of the layer above (fan-out and fan-in of 2), the shape of the 100-layer scenario.
/// Layers 40-49 are group <c>g</c> (1,000 assets); the rest are in groups of ten layers each.
/// </summary>
public static class MicroGraph
{
    public const int Layers = 100;
    public const int Width = 100;

    /// <summary>A middle asset, so traversals from it go both ways.</summary>
    public const string Middle = "a50_42";

    public static AssetGraph Create()
    {
        var assets = new List<AssetSpec>(Layers * Width);
        for (var layer = 0; layer < Layers; layer++)
        {
            for (var i = 0; i < Width; i++)
            {
                assets.Add(new AssetSpec
                {
                    Key = Key(layer, i),
                    CodeLocation = "bench",
                    Group = layer is >= 40 and < 50 ? "g" : $"layers{layer / 10}",
                    Dependencies = layer == 0 ? [] : [Key(layer - 1, i), Key(layer - 1, (i + 1) % Width)],
                });
            }
        }

        return new AssetGraph(1, assets);
    }

    private static string Key(int layer, int i) => $"a{layer}_{i}";
}
