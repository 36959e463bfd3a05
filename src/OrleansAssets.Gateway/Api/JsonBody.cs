using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OrleansAssets.Gateway.Api;

/// <summary>Optional JSON object bodies of the API's actions, read with messages in our words (not the serializer's type names).</summary>
internal static class JsonBody
{
    /// <summary>The body's object, or null when the body is empty (every field of these bodies is optional).</summary>
    /// <exception cref="BadRequestException">The body is not JSON, or not an object.</exception>
    public static async Task<JsonDocument?> ReadObjectAsync(HttpRequest request, string example)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"The body is not JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')}); send {example}.");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = Kind(document.RootElement);
            document.Dispose();
            throw new BadRequestException($"The body must be a JSON object, not {kind}; send {example}.");
        }

        return document;
    }

    /// <summary>String values of an object field such as <c>tags</c>.</summary>
    public static Dictionary<string, string> Strings(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequestException($"{field} must be an object of string values, not {Kind(value)}.");
        }

        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            strings[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new BadRequestException($"tag {UserText.Quote(property.Name)} must have a string value, not {Kind(property.Value)}.");
        }

        return strings;
    }

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        _ => "an object",
    };
}

/// <summary>Who the cluster records as having asked for a change made through the API.</summary>
internal static class Callers
{
    public static string Of(HttpContext context) => $"the API ({context.Connection.RemoteIpAddress?.ToString() ?? "unknown address"})";
}
