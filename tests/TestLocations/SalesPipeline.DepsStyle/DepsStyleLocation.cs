using Microsoft.Data.Analysis;
using Microsoft.Extensions.Logging;
using OrleansAssets;
using SalesPipeline;
using SalesPipeline.DepsStyle;

[assembly: CodeLocation(typeof(DepsStyleLocation), Name = "sales_files")]

namespace SalesPipeline.DepsStyle;

public sealed class DepsStyleLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<FileSalesAssets>()
        .AddResource<SalesFiles>("Sales");
}

/// <summary>
/// The article's second style: <c>deps</c> only orders the assets; each reads its upstream's file and writes its
/// own, returning metadata alone.
/// </summary>
public sealed class FileSalesAssets(SalesFiles files)
{
    [Asset(Description = "load sales data from CSV", Group = "sales")]
    public MaterializeResult RawSalesData(AssetContext context)
    {
        var frame = SalesTransforms.Load(files.InputPath);
        var output = files.OutputPath("raw_sales.csv");
        SalesTransforms.WriteCsvAtomically(frame, output);
        context.Log.LogInformation("Loaded {RowCount} rows from {FileName}", frame.Rows.Count, Path.GetFileName(files.InputPath));
        return new MaterializeResult
        {
            Metadata =
            {
                ["row_count"] = frame.Rows.Count,
                ["columns"] = string.Join(", ", frame.Columns.Select(c => c.Name)),
                ["output_path"] = MetadataValue.Path(output),
            },
        };
    }

    [Asset(Description = "clean sales data", Group = "sales", Deps = ["raw_sales_data"])]
    public MaterializeResult CleanedSalesData(AssetContext context)
    {
        var cleaned = SalesTransforms.Clean(SalesTransforms.Load(files.OutputPath("raw_sales.csv")));
        var output = files.OutputPath("cleaned_sales.csv");
        SalesTransforms.WriteCsvAtomically(cleaned, output);
        return new MaterializeResult
        {
            Metadata =
            {
                ["row_count"] = cleaned.Rows.Count,
                ["total_amount"] = SalesTransforms.Total(cleaned),
                ["date_range"] = SalesTransforms.DateRange(cleaned),
                ["output_path"] = MetadataValue.Path(output),
            },
        };
    }

    [Asset(Description = "sales by product", Group = "sales", Deps = ["cleaned_sales_data"])]
    public async Task<MaterializeResult> SalesSummaryAsync(AssetContext context)
    {
        // Reads the cleaned file back (dates as text, amounts as integers), as an asset that owns its files would.
        var path = files.OutputPath("cleaned_sales.csv");
        await Task.Yield();
        var cleaned = DataFrame.LoadCsv(path, dataTypes: [typeof(string), typeof(string), typeof(long), typeof(long), typeof(long)]);
        var summary = SalesTransforms.Summarize(cleaned);
        var output = files.OutputPath("sales_summary.csv");
        SalesTransforms.WriteCsvAtomically(summary, output);
        return new MaterializeResult
        {
            Metadata =
            {
                ["product_count"] = summary.Rows.Count,
                ["top_product"] = (string)summary.Rows[0][0],
                ["top_product_amount"] = (long)summary.Rows[0][2],
                ["output_path"] = MetadataValue.Path(output),
                ["summary_table"] = MetadataValue.Markdown(summary.ToMarkdown()),
            },
        };
    }
}
