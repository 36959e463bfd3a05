using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Microsoft.Data.Analysis;

namespace OrleansAssets.IO;

/// <summary>
/// Writes and reads data frames as Arrow IPC files (Apache.Arrow does the format). Microsoft.Data.Analysis' own
/// Arrow export has no DateTime columns, which every dated table needs, so the column mapping is done here:
/// numbers, booleans and strings as their Arrow types, DateTime as a microsecond timestamp.
/// </summary>
internal static class ArrowDataFrameFormat
{
    public static async Task WriteAsync(DataFrame frame, Stream destination, CancellationToken cancellationToken)
    {
        var fields = new List<Field>(frame.Columns.Count);
        var arrays = new List<IArrowArray>(frame.Columns.Count);
        foreach (var column in frame.Columns)
        {
            var (type, array) = ToArrow(column);
            fields.Add(new Field(column.Name, type, nullable: true));
            arrays.Add(array);
        }

        var schema = new Schema(fields, metadata: null);
        var batch = new RecordBatch(schema, arrays, checked((int)frame.Rows.Count));
        using var writer = new ArrowFileWriter(destination, schema, leaveOpen: true);
        await writer.WriteStartAsync(cancellationToken).ConfigureAwait(false);
        await writer.WriteRecordBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        await writer.WriteEndAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<DataFrame> ReadAsync(Stream source, CancellationToken cancellationToken)
    {
        using var reader = new ArrowFileReader(source, leaveOpen: true);
        var first = await reader.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false);
        var builders = reader.Schema.FieldsList.Select(f => ColumnBuilder.For(f)).ToList();
        for (var batch = first; batch is not null; batch = await reader.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false))
        {
            using (batch)
            {
                for (var c = 0; c < builders.Count; c++)
                {
                    builders[c].Append(batch.Column(c));
                }
            }
        }

        return new DataFrame(builders.Select(b => b.Build()));
    }

    private static (IArrowType Type, IArrowArray Array) ToArrow(DataFrameColumn column) => column switch
    {
        PrimitiveDataFrameColumn<bool> c => (BooleanType.Default, Fill(new BooleanArray.Builder(), c, (b, v) => b.Append(v), b => b.AppendNull()).Build()),
        PrimitiveDataFrameColumn<sbyte> c => (Int8Type.Default, Primitive(new Int8Array.Builder(), c)),
        PrimitiveDataFrameColumn<byte> c => (UInt8Type.Default, Primitive(new UInt8Array.Builder(), c)),
        PrimitiveDataFrameColumn<short> c => (Int16Type.Default, Primitive(new Int16Array.Builder(), c)),
        PrimitiveDataFrameColumn<ushort> c => (UInt16Type.Default, Primitive(new UInt16Array.Builder(), c)),
        PrimitiveDataFrameColumn<int> c => (Int32Type.Default, Primitive(new Int32Array.Builder(), c)),
        PrimitiveDataFrameColumn<uint> c => (UInt32Type.Default, Primitive(new UInt32Array.Builder(), c)),
        PrimitiveDataFrameColumn<long> c => (Int64Type.Default, Primitive(new Int64Array.Builder(), c)),
        PrimitiveDataFrameColumn<ulong> c => (UInt64Type.Default, Primitive(new UInt64Array.Builder(), c)),
        PrimitiveDataFrameColumn<float> c => (FloatType.Default, Primitive(new FloatArray.Builder(), c)),
        PrimitiveDataFrameColumn<double> c => (DoubleType.Default, Primitive(new DoubleArray.Builder(), c)),
        PrimitiveDataFrameColumn<DateTime> c => (Timestamp, Fill(new TimestampArray.Builder(Timestamp), c, (b, v) => b.Append(new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc))), b => b.AppendNull()).Build()),
        StringDataFrameColumn c => (StringType.Default, Strings(c.Length, i => c[i])),
        ArrowStringDataFrameColumn c => (StringType.Default, Strings(c.Length, i => c[i])),
        _ => throw new NotSupportedException($"Column '{column.Name}' has type {column.DataType.Name}, which the Arrow IO manager does not store; use a number, bool, string or DateTime column, or another IO manager."),
    };

    // DateTime values are stored as given (wall-clock, no time zone), which is what a CSV date parses to.
    private static readonly TimestampType Timestamp = new(TimeUnit.Microsecond, timezone: (string?)null);

    private static IArrowArray Primitive<T, TArray, TBuilder>(PrimitiveArrayBuilder<T, TArray, TBuilder> builder, PrimitiveDataFrameColumn<T> column)
        where T : unmanaged
        where TArray : IArrowArray
        where TBuilder : class, IArrowArrayBuilder<TArray>
    {
        builder.Reserve(checked((int)column.Length));
        for (long i = 0; i < column.Length; i++)
        {
            if (column[i] is { } value)
            {
                builder.Append(value);
            }
            else
            {
                builder.AppendNull();
            }
        }

        return builder.Build();
    }

    private static TBuilder Fill<T, TBuilder>(TBuilder builder, PrimitiveDataFrameColumn<T> column, Action<TBuilder, T> append, Action<TBuilder> appendNull)
        where T : unmanaged
    {
        for (long i = 0; i < column.Length; i++)
        {
            if (column[i] is { } value)
            {
                append(builder, value);
            }
            else
            {
                appendNull(builder);
            }
        }

        return builder;
    }

    private static StringArray Strings(long length, Func<long, string?> get)
    {
        var builder = new StringArray.Builder();
        for (long i = 0; i < length; i++)
        {
            var value = get(i);
            if (value is null)
            {
                builder.AppendNull();
            }
            else
            {
                builder.Append(value);
            }
        }

        return builder.Build();
    }

    /// <summary>Collects one field's values across record batches into a data frame column.</summary>
    private abstract class ColumnBuilder
    {
        public abstract void Append(IArrowArray array);

        public abstract DataFrameColumn Build();

        public static ColumnBuilder For(Field field) => field.DataType.TypeId switch
        {
            ArrowTypeId.Boolean => new Of<bool>(field.Name, (a, i) => ((BooleanArray)a).GetValue(i)),
            ArrowTypeId.Int8 => new Of<sbyte>(field.Name, (a, i) => ((Int8Array)a).GetValue(i)),
            ArrowTypeId.UInt8 => new Of<byte>(field.Name, (a, i) => ((UInt8Array)a).GetValue(i)),
            ArrowTypeId.Int16 => new Of<short>(field.Name, (a, i) => ((Int16Array)a).GetValue(i)),
            ArrowTypeId.UInt16 => new Of<ushort>(field.Name, (a, i) => ((UInt16Array)a).GetValue(i)),
            ArrowTypeId.Int32 => new Of<int>(field.Name, (a, i) => ((Int32Array)a).GetValue(i)),
            ArrowTypeId.UInt32 => new Of<uint>(field.Name, (a, i) => ((UInt32Array)a).GetValue(i)),
            ArrowTypeId.Int64 => new Of<long>(field.Name, (a, i) => ((Int64Array)a).GetValue(i)),
            ArrowTypeId.UInt64 => new Of<ulong>(field.Name, (a, i) => ((UInt64Array)a).GetValue(i)),
            ArrowTypeId.Float => new Of<float>(field.Name, (a, i) => ((FloatArray)a).GetValue(i)),
            ArrowTypeId.Double => new Of<double>(field.Name, (a, i) => ((DoubleArray)a).GetValue(i)),
            ArrowTypeId.Timestamp => new Of<DateTime>(field.Name, (a, i) => ((TimestampArray)a).GetTimestamp(i)?.UtcDateTime is { } d ? DateTime.SpecifyKind(d, DateTimeKind.Unspecified) : null),
            ArrowTypeId.String => new OfString(field.Name),
            _ => throw new NotSupportedException($"Column '{field.Name}' has Arrow type {field.DataType.Name}, which cannot be read into a data frame."),
        };

        private sealed class Of<T>(string name, Func<IArrowArray, int, T?> get) : ColumnBuilder
            where T : unmanaged
        {
            private readonly List<T?> _values = [];

            public override void Append(IArrowArray array)
            {
                for (var i = 0; i < array.Length; i++)
                {
                    _values.Add(array.IsNull(i) ? null : get(array, i));
                }
            }

            public override DataFrameColumn Build() => new PrimitiveDataFrameColumn<T>(name, _values);
        }

        private sealed class OfString(string name) : ColumnBuilder
        {
            private readonly List<string?> _values = [];

            public override void Append(IArrowArray array)
            {
                var strings = (StringArray)array;
                for (var i = 0; i < strings.Length; i++)
                {
                    _values.Add(strings.IsNull(i) ? null : strings.GetString(i));
                }
            }

            public override DataFrameColumn Build() => new StringDataFrameColumn(name, _values);
        }
    }
}
