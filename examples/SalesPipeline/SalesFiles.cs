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
