using OrleansAssets;
using SalesPipeline;

[assembly: CodeLocation(typeof(SalesLocation), Name = "sales")]

namespace SalesPipeline;

/// <summary>Everything this code location exports, as Dagster's <c>Definitions(...)</c>.</summary>
public sealed class SalesLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<SalesAssets>()
        .AddResource<SalesFiles>("Sales");
}
