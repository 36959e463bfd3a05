using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAssets;

/// <summary>
/// Writes a metadata value as <c>{"type":"int","value":3}</c>: the kind as a word, the value in its natural JSON form
/// (Json and Table values as JSON, not as escaped text).
/// </summary>
public sealed class MetadataValueJsonConverter : JsonConverter<MetadataValue>
{
    public override MetadataValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !TryGet(root, "type", out var typeElement) || !TryGet(root, "value", out var value))
        {
            throw new JsonException("A metadata value is an object with 'type' and 'value'.");
        }

        if (!Enum.TryParse<MetadataKind>(typeElement.GetString(), ignoreCase: true, out var kind))
        {
            throw new JsonException($"Unknown metadata type '{typeElement.GetString()}'.");
        }

        return kind switch
        {
            MetadataKind.Int => MetadataValue.Int(value.GetInt64()),
            MetadataKind.Float => MetadataValue.Float(value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetDouble()),
            MetadataKind.Bool => MetadataValue.Bool(value.GetBoolean()),
            MetadataKind.Json or MetadataKind.Table => MetadataValue.FromParts(kind, 0, 0, false, value.GetRawText()),
            _ => MetadataValue.FromParts(kind, 0, 0, false, value.GetString()),
        };
    }

    public override void Write(Utf8JsonWriter writer, MetadataValue value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", JsonNamingPolicy.CamelCase.ConvertName(value.Kind.ToString()));
        writer.WritePropertyName("value");
        switch (value.Kind)
        {
            case MetadataKind.Int:
                writer.WriteNumberValue(value.IntValue);
                break;
            case MetadataKind.Float when double.IsFinite(value.FloatValue):
                writer.WriteNumberValue(value.FloatValue);
                break;
            case MetadataKind.Float:
                // JSON has no NaN or infinity; their round-trip text keeps them readable and parseable.
                writer.WriteStringValue(value.FloatValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case MetadataKind.Bool:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case MetadataKind.Json or MetadataKind.Table:
                writer.WriteRawValue(value.Text!, skipInputValidation: false);
                break;
            default:
                writer.WriteStringValue(value.Text);
                break;
        }

        writer.WriteEndObject();
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
