using OrleansAssets;

namespace OrleansAssets.Bench;

/// <summary>
/// The bench-only code location, compiled into the host: <c>Bench:Independent</c> independent no-op assets in group
/// <c>independent</c>, a chain of <c>Bench:Chain</c> no-op assets in group <c>chain</c>, and one no-op asset
/// <c>ping</c> for the submit-to-first-step latency.
/// </summary>
public sealed class BenchLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder)
    {
        var independent = int.Parse(builder.Configuration["Bench:Independent"] ?? "10000", System.Globalization.CultureInfo.InvariantCulture);
        var chain = int.Parse(builder.Configuration["Bench:Chain"] ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < independent; i++)
        {
            builder.AddAsset(new AssetSpecification($"ind_{i:D5}") { Group = "independent" }, NoOp);
        }

        for (var i = 0; i < chain; i++)
        {
            builder.AddAsset(new AssetSpecification($"chain_{i:D4}") { Group = "chain", Deps = i == 0 ? [] : [$"chain_{i - 1:D4}"] }, NoOp);
        }

        builder.AddAsset(new AssetSpecification("ping") { Group = "ping" }, NoOp);
    }

    private static ValueTask<MaterializeResult> NoOp(AssetContext context) => ValueTask.FromResult(new MaterializeResult());
}
