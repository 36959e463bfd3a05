using Microsoft.Data.Analysis;
using Microsoft.Extensions.Logging;
using OrleansAssets;
using ProductAnalytics;
using Stats = MathNet.Numerics.Statistics.Statistics;

[assembly: CodeLocation(typeof(AnalyticsLocation), Name = "analytics")]

namespace ProductAnalytics;

public sealed class AnalyticsLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<ProductShareAssets>()
        // Owned by the "sales" code location, which another silo loads.
        .AddAssetsFromOtherLocations("sales_summary");
}

public sealed class ProductShareAssets
{
    [Asset(Description = "each product's share of revenue, from the sales summary", Group = "analytics", Owners = ["analytics-team"])]
    public Output<DataFrame> ProductRevenueShare(AssetContext context, DataFrame salesSummary)
    {
        var products = (StringDataFrameColumn)salesSummary["product"];
        var amounts = (PrimitiveDataFrameColumn<long>)salesSummary["amount"];
        var values = Enumerable.Range(0, (int)amounts.Length).Select(i => (double)(amounts[i] ?? 0)).ToArray();
        var total = values.Sum();
        var shares = values.Select(v => total == 0 ? 0 : Math.Round(v / total, 4)).ToArray();
        var frame = new DataFrame(
            new StringDataFrameColumn("product", Enumerable.Range(0, values.Length).Select(i => products[i])),
            new PrimitiveDataFrameColumn<long>("amount", Enumerable.Range(0, values.Length).Select(i => amounts[i] ?? 0)),
            new PrimitiveDataFrameColumn<double>("share", shares));
        context.Log.LogInformation("Revenue share of {Count} products computed with MathNet.Numerics", values.Length);
        return new Output<DataFrame>(frame)
        {
            Metadata =
            {
                ["product_count"] = values.Length,
                ["top_share"] = shares.Length == 0 ? 0 : shares.Max(),
                ["mean_amount"] = values.Length == 0 ? 0 : Stats.Mean(values),
                ["amount_std_dev"] = values.Length < 2 ? 0 : Stats.PopulationStandardDeviation(values),
                ["share_table"] = MetadataValue.Markdown(frame.ToMarkdown()),
            },
        };
    }
}
