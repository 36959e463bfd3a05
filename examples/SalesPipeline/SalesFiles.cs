namespace SalesPipeline;

/// <summary>
/// Where the pipeline reads and writes, bound from the <c>Sales</c> configuration section
/// (<c>Sales__CsvPath=/data/other.csv</c> points it at another file without recompiling).
/// </summary>
public sealed class SalesFiles
{
    /// <summary>The input CSV; the copy shipped beside this assembly when not set.</summary>
    public string? CsvPath { get; set; }

    /// <summary>Where cleaned_sales.csv and sales_summary.csv go; <c>sales-output</c> under the silo's working directory when not set.</summary>
    public string? OutputDir { get; set; }

    /// <summary>The folder the <c>sales_inbox</c> sensor watches for new CSV files; <c>inbox</c> under the silo's working directory when not set.</summary>
    public string? InboxDir { get; set; }

    public string InboxPath => Path.GetFullPath(string.IsNullOrWhiteSpace(InboxDir) ? "inbox" : InboxDir);

    public string InputPath => Path.GetFullPath(string.IsNullOrWhiteSpace(CsvPath)
        ? Path.Combine(Path.GetDirectoryName(typeof(SalesFiles).Assembly.Location)!, "data", "sales.csv")
        : CsvPath);

    public string OutputPath(string fileName)
    {
        var directory = Path.GetFullPath(string.IsNullOrWhiteSpace(OutputDir) ? "sales-output" : OutputDir);
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, fileName);
    }
}
