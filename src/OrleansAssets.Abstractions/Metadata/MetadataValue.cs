using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;

namespace OrleansAssets;

/// <summary>The kinds of metadata a materialization can record, as Dagster's <c>MetadataValue</c> offers.</summary>
public enum MetadataKind
{
    Int,
    Float,
    Bool,
    Text,
    Markdown,
    Path,
    Url,
    Json,
    Table,
}

/// <summary>
/// One typed metadata value recorded with a materialization. Plain numbers, booleans and strings convert
/// implicitly (<c>["row_count"] = 7</c>); the other kinds have factories (<c>MetadataValue.Markdown(...)</c>).
/// </summary>
/// <remarks>
/// Integers are 64-bit so that sums over large tables stay exact. Json and Table values keep their JSON text,
/// which is what they are shown and stored as.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(MetadataValueJsonConverter))]
public sealed class MetadataValue : IEquatable<MetadataValue>
{
    private MetadataValue(MetadataKind kind, long integer = 0, double number = 0, bool boolean = false, string? text = null)
    {
        Kind = kind;
        IntValue = integer;
        FloatValue = number;
        BoolValue = boolean;
        Text = text;
    }

    public MetadataKind Kind { get; }

    /// <summary>The value of an <see cref="MetadataKind.Int"/>.</summary>
    public long IntValue { get; }

    /// <summary>The value of a <see cref="MetadataKind.Float"/>.</summary>
    public double FloatValue { get; }

    /// <summary>The value of a <see cref="MetadataKind.Bool"/>.</summary>
    public bool BoolValue { get; }

    /// <summary>The text of Text, Markdown, Path and Url values, and the JSON text of Json and Table values.</summary>
    public string? Text { get; }

    public static MetadataValue Int(long value) => new(MetadataKind.Int, integer: value);

    public static MetadataValue Float(double value) => new(MetadataKind.Float, number: value);

    public static MetadataValue Bool(bool value) => new(MetadataKind.Bool, boolean: value);

    public static MetadataValue FromText(string value) => new(MetadataKind.Text, text: Require(value));

    public static MetadataValue Markdown(string value) => new(MetadataKind.Markdown, text: Require(value));

    public static MetadataValue Path(string value) => new(MetadataKind.Path, text: Require(value));

    public static MetadataValue Url(string value) => new(MetadataKind.Url, text: new Uri(Require(value), UriKind.Absolute).ToString());

    /// <summary>Any object serialized as JSON (System.Text.Json, web defaults).</summary>
    public static MetadataValue Json(object? value) => new(MetadataKind.Json, text: JsonSerializer.Serialize(value, JsonDefaults.Web));

    /// <summary>A JSON document given as text; it is parsed once to make sure it is valid.</summary>
    public static MetadataValue JsonText(string json)
    {
        using var _ = JsonDocument.Parse(Require(json));
        return new(MetadataKind.Json, text: json);
    }

    /// <summary>The first <paramref name="maxRows"/> rows of a data frame, with its column names and types.</summary>
    public static MetadataValue Table(DataFrame frame, int maxRows = 10) => new(MetadataKind.Table, text: TableJson.FromDataFrame(frame, maxRows));

    /// <summary>
    /// Rebuilds a value from its kind and stored representation; used by serializers, not by user code.
    /// </summary>
    public static MetadataValue FromParts(MetadataKind kind, long integer, double number, bool boolean, string? text) => kind switch
    {
        MetadataKind.Int => Int(integer),
        MetadataKind.Float => Float(number),
        MetadataKind.Bool => Bool(boolean),
        MetadataKind.Json or MetadataKind.Table => new(kind, text: Require(text)),
        MetadataKind.Url or MetadataKind.Text or MetadataKind.Markdown or MetadataKind.Path => new(kind, text: Require(text)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown metadata kind."),
    };

    public static implicit operator MetadataValue(int value) => Int(value);

    public static implicit operator MetadataValue(long value) => Int(value);

    public static implicit operator MetadataValue(double value) => Float(value);

    public static implicit operator MetadataValue(bool value) => Bool(value);

    public static implicit operator MetadataValue(string value) => FromText(value);

    /// <summary>The value as a plain .NET object: long, double, bool, string, or a <see cref="JsonNode"/> for Json and Table.</summary>
    public object? ToObject() => Kind switch
    {
        MetadataKind.Int => IntValue,
        MetadataKind.Float => FloatValue,
        MetadataKind.Bool => BoolValue,
        MetadataKind.Json or MetadataKind.Table => JsonNode.Parse(Text!),
        _ => Text,
    };

    public bool Equals(MetadataValue? other) =>
        other is not null
        && Kind == other.Kind
        && IntValue == other.IntValue
        && FloatValue.Equals(other.FloatValue)
        && BoolValue == other.BoolValue
        && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as MetadataValue);

    public override int GetHashCode() => HashCode.Combine(Kind, IntValue, FloatValue, BoolValue, Text);

    /// <summary>The value as a person reads it in a table cell.</summary>
    public override string ToString() => Kind switch
    {
        MetadataKind.Int => IntValue.ToString("N0", CultureInfo.InvariantCulture),
        MetadataKind.Float => FloatValue.ToString("G", CultureInfo.InvariantCulture),
        MetadataKind.Bool => BoolValue ? "true" : "false",
        _ => Text ?? string.Empty,
    };

    private static string Require(string? value) => value ?? throw new ArgumentNullException(nameof(value), "A metadata value needs a value.");
}
