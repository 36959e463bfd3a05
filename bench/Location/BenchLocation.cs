using System.Globalization;
using OrleansAssets;

[assembly: CodeLocation(typeof(OrleansAssets.Bench.BenchLocation), Name = "bench")]

namespace OrleansAssets.Bench;

/// <summary>
/// The bench-only code location, every asset a no-op so what is measured is the orchestration: <c>Bench:Independent</c>
/// independent assets (group <c>independent</c>), a chain of <c>Bench:Chain</c> (group <c>chain</c>), a graph of
/// <c>Bench:Layers</c> layers of <c>Bench:LayerWidth</c> assets where each asset after the first layer depends on three
/// of the layer before (fan-in 3, fan-out 3; group <c>layered</c>), <c>ping</c> for the submit latency, and
/// <c>sensor_upstream</c> watched by the asset sensor <c>bench_sensor</c>, whose run materializes <c>sensor_target</c>.
/// </summary>
public sealed class BenchLocation : ICodeLocation
{
    public const string Sensor = "bench_sensor";

    public void Configure(ICodeLocationBuilder builder)
    {
        var independent = Size(builder, "Bench:Independent", 10_000);
        var chain = Size(builder, "Bench:Chain", 1_000);
        var layers = Size(builder, "Bench:Layers", 100);
        var width = Size(builder, "Bench:LayerWidth", 100);
        for (var i = 0; i < independent; i++)
        {
            builder.AddAsset(new AssetSpecification($"ind_{i:D5}") { Group = "independent" }, NoOp);
        }

        for (var i = 0; i < chain; i++)
        {
            builder.AddAsset(new AssetSpecification($"chain_{i:D4}") { Group = "chain", Deps = i == 0 ? [] : [$"chain_{i - 1:D4}"] }, NoOp);
        }

        for (var layer = 0; layer < layers; layer++)
        {
            for (var i = 0; i < width; i++)
            {
                // Three distinct parents when the layer is wide enough; offsets 1 and 7 spread the edges so the graph
                // does not fall apart into independent columns.
                string[] deps = layer == 0 ? [] : new[] { i, (i + 1) % width, (i + 7) % width }.Distinct().Select(p => Layered(layer - 1, p)).ToArray();
                builder.AddAsset(new AssetSpecification(Layered(layer, i)) { Group = "layered", Deps = deps }, NoOp);
            }
        }

        builder.AddAsset(new AssetSpecification("ping") { Group = "ping" }, NoOp);
        builder.AddAsset(new AssetSpecification("sensor_upstream") { Group = "sensor" }, NoOp);
        builder.AddAsset(new AssetSpecification("sensor_target") { Group = "sensor" }, NoOp);
        builder.AddAssetSensor(new AssetSensorDefinition(Sensor, ["sensor_upstream"])
        {
            Selection = "sensor_target",
            Description = "each sensor_upstream materialization runs sensor_target: the asset-sensor reaction",
            DefaultStatus = DefaultStatus.Running,
        });
    }

    private static string Layered(int layer, int index) => $"lay_{layer:D3}_{index:D3}";

    private static int Size(ICodeLocationBuilder builder, string key, int fallback) =>
        builder.Configuration[key] is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static ValueTask<MaterializeResult> NoOp(AssetContext context) => ValueTask.FromResult(new MaterializeResult());
}
