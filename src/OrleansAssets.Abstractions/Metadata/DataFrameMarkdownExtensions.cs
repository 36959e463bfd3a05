using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;

namespace OrleansAssets;

/// <summary>
/// Renders a data frame as a GitHub-flavoured markdown table, the job the article gave to pandas' <c>to_markdown</c>.
/// </summary>
public static class DataFrameMarkdownExtensions
{
    /// <param name="frame">The frame to render.</param>
    /// <param name="maxRows">How many rows to render at most; every row when null.</param>
    public static string ToMarkdown(this DataFrame frame, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var rowCount = maxRows is { } limit ? Math.Min(frame.Rows.Count, Math.Max(0, limit)) : frame.Rows.Count;
        var columns = frame.Columns;
        var cells = new string[rowCount][];
        var widths = columns.Select(c => Math.Max(3, Escape(c.Name).Length)).ToArray();
        for (long r = 0; r < rowCount; r++)
        {
            var row = new string[columns.Count];
            for (var c = 0; c < columns.Count; c++)
            {
                row[c] = Escape(Format(columns[c][r]));
                widths[c] = Math.Max(widths[c], row[c].Length);
            }

            cells[r] = row;
        }

        var numeric = columns.Select(c => IsNumeric(c.DataType)).ToArray();
        var builder = new StringBuilder();
        AppendRow(builder, columns.Select(c => Escape(c.Name)).ToArray(), widths, numeric);
        builder.Append('|');
        for (var c = 0; c < columns.Count; c++)
        {
            builder.Append(' ').Append(new string('-', widths[c] - 1)).Append(numeric[c] ? ':' : '-').Append(" |");
        }

        builder.Append('\n');
        foreach (var row in cells)
        {
            AppendRow(builder, row, widths, numeric);
        }

        if (rowCount < frame.Rows.Count)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n_{frame.Rows.Count - rowCount} more rows_\n");
        }

        return builder.ToString();
    }

    private static void AppendRow(StringBuilder builder, string[] cells, int[] widths, bool[] rightAligned)
    {
        builder.Append('|');
        for (var c = 0; c < cells.Length; c++)
        {
            builder.Append(' ').Append(rightAligned[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c])).Append(" |");
        }

        builder.Append('\n');
    }

    private static string Format(object? value) => value switch
    {
        null => string.Empty,
        DateTime d when d.TimeOfDay == TimeSpan.Zero => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static bool IsNumeric(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort)
        || type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(ulong)
        || type == typeof(float) || type == typeof(double) || type == typeof(decimal);
}
