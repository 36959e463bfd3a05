using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;

namespace OrleansAssets;

/// <summary>
/// The JSON shape of a Table metadata value: <c>{"columns":[{"name","type"}],"rows":[[...]],"totalRows":n}</c>.
/// </summary>
internal static class TableJson
{
    public static string FromDataFrame(DataFrame frame, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var columns = new JsonArray();
        foreach (var column in frame.Columns)
        {
            columns.Add(new JsonObject { ["name"] = column.Name, ["type"] = column.DataType.Name });
        }

        var rows = new JsonArray();
        var count = Math.Min(frame.Rows.Count, maxRows);
        for (long r = 0; r < count; r++)
        {
            var row = new JsonArray();
            foreach (var column in frame.Columns)
            {
                row.Add(JsonSerializer.SerializeToNode(column[r], JsonDefaults.Web));
            }

            rows.Add(row);
        }

        return new JsonObject { ["columns"] = columns, ["rows"] = rows, ["totalRows"] = frame.Rows.Count }.ToJsonString();
    }
}
