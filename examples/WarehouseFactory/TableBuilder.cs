using Microsoft.Data.Analysis;
using Microsoft.Extensions.Logging;
using OrleansAssets;

namespace WarehouseFactory;

/// <summary>
/// Materializes any table of the manifest; created per step with the location's settings, as an asset class is. A
/// source table is generated; a built one stacks the rows of its inputs, so its row count is theirs added up.
/// </summary>
public sealed class TableBuilder(WarehouseSettings settings)
{
    public async ValueTask<Output<DataFrame>> BuildAsync(TableDefinition table, AssetContext context)
    {
        var frame = table.Inputs.Count == 0 ? Generate(table.Name, table.Rows, settings.Seed) : await StackAsync(table, context);
        context.Log.LogInformation("Table {Key}: {Rows} rows", context.AssetKey, frame.Rows.Count);
        return new Output<DataFrame>(frame)
        {
            Metadata =
            {
                ["row_count"] = frame.Rows.Count,
                ["columns"] = string.Join(", ", frame.Columns.Select(c => c.Name)),
                ["preview"] = MetadataValue.Table(frame, maxRows: 5),
            },
        };
    }

    private static DataFrame Generate(string name, int rows, int seed) => new(
        new PrimitiveDataFrameColumn<long>("id", Enumerable.Range(1, rows).Select(i => (long)i)),
        new StringDataFrameColumn("source", Enumerable.Repeat(name, rows)),
        new PrimitiveDataFrameColumn<long>("value", Enumerable.Range(1, rows).Select(i => (long)(i * seed % 97))));

    private static async ValueTask<DataFrame> StackAsync(TableDefinition table, AssetContext context)
    {
        var (ids, sources, values) = (new List<long>(), new List<string>(), new List<long>());
        foreach (var input in table.Inputs)
        {
            var upstream = await context.LoadInputAsync<DataFrame>(input);
            var upstreamSource = (StringDataFrameColumn)upstream["source"];
            var upstreamValue = (PrimitiveDataFrameColumn<long>)upstream["value"];
            for (long i = 0; i < upstream.Rows.Count; i++)
            {
                ids.Add(ids.Count + 1);
                sources.Add(upstreamSource[i] ?? input);
                values.Add(upstreamValue[i] ?? 0);
            }
        }

        return new DataFrame(
            new PrimitiveDataFrameColumn<long>("id", ids),
            new StringDataFrameColumn("source", sources),
            new PrimitiveDataFrameColumn<long>("value", values));
    }
}
