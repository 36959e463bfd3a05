using System.Globalization;
using Microsoft.Data.Analysis;
using Microsoft.Extensions.Logging;
using OrleansAssets;

namespace SalesPipeline;

/// <summary>
/// The article's three assets with the recommended dependency style: each takes its upstream's value as a
/// parameter named after it, and the IO manager stores and loads the data frames in between.
/// </summary>
public sealed class SalesAssets(SalesFiles files)
{
    private const int PreviewRows = 5;

    [Asset(Description = "load sales data from CSV", Group = "sales", Tags = ["layer=raw"], Owners = ["data-team"], Kinds = ["csv", "dataframe"], CodeVersion = "1")]
    public Output<DataFrame> RawSalesData(AssetContext context, SalesFileConfig config)
    {
        var path = string.IsNullOrWhiteSpace(config.Path) ? files.InputPath : Path.GetFullPath(config.Path);
        var frame = SalesTransforms.Load(path, context.CancellationToken);
        context.Log.LogInformation("Loaded {RowCount} rows from {FileName}", frame.Rows.Count, Path.GetFileName(path));
        return new Output<DataFrame>(frame)
        {
            Metadata =
            {
                ["row_count"] = frame.Rows.Count,
                ["columns"] = string.Join(", ", frame.Columns.Select(c => c.Name)),
                ["preview"] = MetadataValue.Markdown(frame.ToMarkdown(PreviewRows)),
            },
        };
    }

    [Asset(Description = "clean sales data: parse dates and compute amount = quantity * price", Group = "sales", Tags = ["layer=clean"], Owners = ["data-team"], Kinds = ["dataframe"], CodeVersion = "1")]
    public Output<DataFrame> CleanedSalesData(AssetContext context, DataFrame rawSalesData)
    {
        var cleaned = SalesTransforms.Clean(rawSalesData, context.CancellationToken);
        var total = SalesTransforms.Total(cleaned);
        var output = files.OutputPath("cleaned_sales.csv");
        SalesTransforms.WriteCsvAtomically(cleaned, output, context.CancellationToken);
        context.Log.LogInformation("Cleaned {RowCount} rows; total amount {Total}", cleaned.Rows.Count, total.ToString("N0", CultureInfo.InvariantCulture));
        return new Output<DataFrame>(cleaned)
        {
            Metadata =
            {
                ["row_count"] = cleaned.Rows.Count,
                ["total_amount"] = total,
                ["date_range"] = SalesTransforms.DateRange(cleaned),
                ["output_path"] = MetadataValue.Path(output),
                ["preview"] = MetadataValue.Markdown(cleaned.ToMarkdown(PreviewRows)),
            },
        };
    }

    [Asset(Description = "sales by product, highest amount first", Group = "sales", Tags = ["layer=report"], Owners = ["data-team"], Kinds = ["dataframe", "csv"], CodeVersion = "1")]
    public Output<DataFrame> SalesSummary(AssetContext context, DataFrame cleanedSalesData)
    {
        var summary = SalesTransforms.Summarize(cleanedSalesData);
        var output = files.OutputPath("sales_summary.csv");
        SalesTransforms.WriteCsvAtomically(summary, output, context.CancellationToken);
        var table = summary.ToMarkdown();
        context.Log.LogInformation("Sales by product:\n{Table}", table);
        var top = summary.Rows.Count > 0 ? summary.Rows[0] : null;
        return new Output<DataFrame>(summary)
        {
            Metadata =
            {
                ["product_count"] = summary.Rows.Count,
                ["top_product"] = (string?)top?[0] ?? "",
                ["top_product_amount"] = (long?)top?[2] ?? 0,
                ["output_path"] = MetadataValue.Path(output),
                ["summary_table"] = MetadataValue.Markdown(table),
            },
        };
    }
}

/// <summary>The run config of <c>raw_sales_data</c>: another CSV for one run (the inbox sensor points it at each new file).</summary>
public sealed class SalesFileConfig : StepConfig
{
    /// <summary>The CSV to read instead of <c>Sales:CsvPath</c>.</summary>
    public string? Path { get; set; }
}

/// <summary>The sales job's op: a one-line summary in the run's log once the summary is materialized.</summary>
public sealed class SalesOps
{
    [Op(Description = "log a one-line summary of the sales summary")]
    public static void LogSalesSummary(AssetContext context, DataFrame salesSummary)
    {
        var top = salesSummary.Rows.Count > 0 ? salesSummary.Rows[0] : null;
        context.Log.LogInformation(
            "{Products} product(s); top {Top} with {Amount}",
            salesSummary.Rows.Count,
            (string?)top?[0] ?? "-",
            ((long?)top?[2] ?? 0).ToString("N0", CultureInfo.InvariantCulture));
    }

    [Op(Description = "warn in the log that a sales_job run failed")]
    public static void AlertSalesFailure(AssetContext context) =>
        context.Log.LogWarning("A sales_job run failed; this run's oa/watched-run tag names it");
}
