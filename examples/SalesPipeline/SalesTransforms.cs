using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;

namespace SalesPipeline;

/// <summary>
/// The pipeline's data work, apart from how it is wired into assets, so both dependency styles share it.
/// Quantities, prices and amounts are 64-bit integers and every sum is checked: totals are exact or fail loudly.
/// </summary>
public static class SalesTransforms
{
    public static readonly string[] RequiredColumns = ["date", "product", "quantity", "price"];

    /// <summary>Reads the sales CSV with quantity and price as integers and every other column as text; stops when <paramref name="cancellationToken"/> fires.</summary>
    public static DataFrame Load(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Sales CSV not found: {path} (set Sales:CsvPath).", path);
        }

        string header;
        using (var reader = new StreamReader(path))
        {
            header = reader.ReadLine() ?? throw new InvalidDataException($"Sales CSV {path} is empty.");
        }

        var names = header.Split(',').Select(n => n.Trim()).ToArray();
        var missing = RequiredColumns.Where(c => !names.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"Sales CSV {path} lacks column(s) {string.Join(", ", missing)}; its header is '{header}'.");
        }

        var types = names.Select(n => n is "quantity" or "price" ? typeof(long) : typeof(string)).ToArray();
        using var file = new CancellableStream(File.OpenRead(path), cancellationToken);
        return DataFrame.LoadCsv(file, columnNames: names, dataTypes: types, header: true, cultureInfo: CultureInfo.InvariantCulture);
    }

    /// <summary>Parses <c>date</c> and adds <c>amount = quantity * price</c>.</summary>
    public static DataFrame Clean(DataFrame raw, CancellationToken cancellationToken = default)
    {
        var rows = raw.Rows.Count;
        var text = (StringDataFrameColumn)raw["date"];
        var quantity = (PrimitiveDataFrameColumn<long>)raw["quantity"];
        var price = (PrimitiveDataFrameColumn<long>)raw["price"];
        var dates = new PrimitiveDataFrameColumn<DateTime>("date", rows);
        var amount = new PrimitiveDataFrameColumn<long>("amount", rows);
        for (long i = 0; i < rows; i++)
        {
            if (i % 65_536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var value = text[i];
            dates[i] = DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d
                : DateTime.Parse(value ?? throw new InvalidDataException($"Row {i + 1} has no date."), CultureInfo.InvariantCulture);
            amount[i] = checked((quantity[i] ?? 0) * (price[i] ?? 0));
        }

        var product = (StringDataFrameColumn)raw["product"].Clone();
        return new DataFrame(dates, product, quantity.Clone(), price.Clone(), amount);
    }

    public static long Total(DataFrame cleaned)
    {
        var amount = (PrimitiveDataFrameColumn<long>)cleaned["amount"];
        long total = 0;
        for (long i = 0; i < amount.Length; i++)
        {
            total = checked(total + (amount[i] ?? 0));
        }

        return total;
    }

    public static string DateRange(DataFrame cleaned)
    {
        var dates = (PrimitiveDataFrameColumn<DateTime>)cleaned["date"];
        if (dates.Length == 0)
        {
            return "";
        }

        DateTime min = DateTime.MaxValue, max = DateTime.MinValue;
        for (long i = 0; i < dates.Length; i++)
        {
            if (dates[i] is { } d)
            {
                min = d < min ? d : min;
                max = d > max ? d : max;
            }
        }

        return $"{min:yyyy-MM-dd} ~ {max:yyyy-MM-dd}";
    }

    /// <summary>Quantity and amount per product, highest amount first (ties by product name).</summary>
    public static DataFrame Summarize(DataFrame cleaned)
    {
        var product = (StringDataFrameColumn)cleaned["product"];
        var quantity = (PrimitiveDataFrameColumn<long>)cleaned["quantity"];
        var amount = (PrimitiveDataFrameColumn<long>)cleaned["amount"];
        var totals = new Dictionary<string, (long Quantity, long Amount)>(StringComparer.Ordinal);
        for (long i = 0; i < cleaned.Rows.Count; i++)
        {
            var key = product[i] ?? "";
            var (q, a) = totals.GetValueOrDefault(key);
            totals[key] = (checked(q + (quantity[i] ?? 0)), checked(a + (amount[i] ?? 0)));
        }

        var ordered = totals.OrderByDescending(t => t.Value.Amount).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();
        return new DataFrame(
            new StringDataFrameColumn("product", ordered.Select(t => t.Key)),
            new PrimitiveDataFrameColumn<long>("quantity", ordered.Select(t => t.Value.Quantity)),
            new PrimitiveDataFrameColumn<long>("amount", ordered.Select(t => t.Value.Amount)));
    }

    /// <summary>
    /// Writes a CSV (dates as yyyy-MM-dd) to a temporary file and renames it into place, so concurrent runs
    /// never leave a half-written file behind.
    /// </summary>
    public static void WriteCsvAtomically(DataFrame frame, string path, CancellationToken cancellationToken = default)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var writer = new StreamWriter(new CancellableStream(File.Create(temporary), cancellationToken), new UTF8Encoding(false)))
            {
                writer.Write(string.Join(',', frame.Columns.Select(c => Quote(c.Name))));
                writer.Write('\n');
                for (long r = 0; r < frame.Rows.Count; r++)
                {
                    for (var c = 0; c < frame.Columns.Count; c++)
                    {
                        if (c > 0)
                        {
                            writer.Write(',');
                        }

                        writer.Write(Format(frame.Columns[c][r]));
                    }

                    writer.Write('\n');
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}

/// <summary>A file stream that stops reading and writing once its token fires, so long reads and writes end promptly.</summary>
internal sealed class CancellableStream(Stream inner, CancellationToken cancellationToken) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return inner.Read(buffer, offset, count);
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => inner.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count)
    {
        cancellationToken.ThrowIfCancellationRequested();
        inner.Write(buffer, offset, count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
