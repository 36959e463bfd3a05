using OrleansAssets;
using SalesPipeline;

[assembly: CodeLocation(typeof(SalesLocation), Name = "sales")]

namespace SalesPipeline;

/// <summary>Everything this code location exports, as Dagster's <c>Definitions(...)</c>.</summary>
public sealed class SalesLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<SalesAssets>()
        .AddOps<SalesOps>()
        .AddResource<SalesFiles>("Sales")
        .AddJob(new JobDefinition("sales_job")
        {
            Selection = "group:sales",
            Ops = ["log_sales_summary"],
            Description = "the article's pipeline: raw_sales_data -> cleaned_sales_data -> sales_summary, then a one-line summary",
            Tags = new Dictionary<string, string> { ["pipeline"] = "sales" },
        });
}
