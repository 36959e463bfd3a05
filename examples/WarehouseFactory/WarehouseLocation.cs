using System.Text.Json;
using OrleansAssets;
using WarehouseFactory;

[assembly: CodeLocation(typeof(WarehouseLocation), Name = "warehouse")]

namespace WarehouseFactory;

/// <summary>
/// An asset factory, as Dagster's: the assets are not written in code but read at load time from tables.json (or the
/// file <c>Warehouse:Manifest</c> names), one asset per table, each group under its key prefix. A table with
/// <c>rows</c> is a source; one with <c>inputs</c> is built from the values of those tables.
/// </summary>
public sealed class WarehouseLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder)
    {
        var manifest = WarehouseManifest.Load(builder.Configuration["Warehouse:Manifest"]
            ?? Path.Combine(Path.GetDirectoryName(typeof(WarehouseLocation).Assembly.Location)!, "tables.json"));
        builder.AddResource<WarehouseSettings>("Warehouse");
        foreach (var tables in manifest.Groups)
        {
            builder.AddAssetGroup(tables.Group, group =>
            {
                group.KeyPrefix = tables.KeyPrefix;
                foreach (var table in tables.Tables)
                {
                    // Keys are written without the prefix; "orders" in a dep means this group's orders, and a whole
                    // key (core/models/orders) one of another group.
                    var spec = new AssetSpecification(table.Name)
                    {
                        Description = table.Description,
                        Deps = table.Deps,
                        Inputs = table.Inputs,
                        Owners = table.Owners,
                        Kinds = table.Kinds,
                        Tags = table.Tags,
                        CodeVersion = "1",
                    };
                    group.AddAsset<TableBuilder, Microsoft.Data.Analysis.DataFrame>(spec, (tableBuilder, context) => tableBuilder.BuildAsync(table, context));
                }
            });
        }
    }
}

/// <summary>tables.json: groups of tables.</summary>
public sealed record WarehouseManifest(IReadOnlyList<TableGroup> Groups)
{
    public static WarehouseManifest Load(string path)
    {
        using var file = File.OpenRead(path);
        return JsonSerializer.Deserialize<WarehouseManifest>(file, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidDataException($"{path} is empty.");
    }
}

public sealed record TableGroup(string Group, string? KeyPrefix, IReadOnlyList<TableDefinition> Tables);

/// <summary>One table: a source of <see cref="Rows"/> generated rows, or built from <see cref="Inputs"/>.</summary>
public sealed record TableDefinition(string Name)
{
    public string? Description { get; init; }

    public int Rows { get; init; }

    public IReadOnlyList<string> Deps { get; init; } = [];

    public IReadOnlyList<string> Inputs { get; init; } = [];

    public IReadOnlyList<string> Owners { get; init; } = [];

    public IReadOnlyList<string> Kinds { get; init; } = [];

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>Settings of the generated data (<c>Warehouse__Seed=7</c>).</summary>
public sealed class WarehouseSettings
{
    public int Seed { get; set; } = 17;
}
