using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAssets;

/// <summary>
/// The one JSON convention of OrleansAssets, for metadata, stored values, the CLI and the API:
/// ASP.NET Core's web defaults (camelCase names) with enums written as camelCase words.
/// </summary>
public static class JsonDefaults
{
    public static JsonSerializerOptions Web { get; } = Create(indented: false);

    public static JsonSerializerOptions WebIndented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
