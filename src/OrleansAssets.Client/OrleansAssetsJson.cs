using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAssets.Client;

/// <summary>
/// The JSON of the REST API and of <c>oa --json</c>: camelCase names, enums as camelCase words, nulls left out;
/// metadata values through their own converter (on <see cref="MetadataValue"/>). The gateway writes it, the HTTP
/// client reads it, so a resource reads the same either way.
/// </summary>
public static class OrleansAssetsJson
{
    /// <summary>Compact, as the API sends it.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>Indented, as <c>oa --json</c> prints it.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>Sets <paramref name="options"/> to this JSON (for a host's own options, such as ASP.NET Core's).</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        Apply(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
