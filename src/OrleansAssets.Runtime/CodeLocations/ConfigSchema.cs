using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>
/// A step's run config: the fields its <see cref="StepConfig"/> type declares (what the cluster checks a submitted
/// run's config against, naming the step and the field), and how the step's part is bound to that type.
/// </summary>
internal static class ConfigSchema
{
    /// <summary>Run config reads as the user writes it in a run: snake_case fields, nothing unknown.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static List<ConfigField> Of(IEnumerable<AssetParameter> parameters) =>
        parameters.FirstOrDefault(p => p.Kind == AssetParameterKind.Config) is { } config ? Of(config.Type) : [];

    public static List<ConfigField> Of(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
        .Select(p => new ConfigField
        {
            Name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name),
            Type = JsonType(p.PropertyType),
            Required = p.GetCustomAttribute<RequiredMemberAttribute>() is not null || p.GetCustomAttribute<JsonRequiredAttribute>() is not null,
        })
        .ToList();

    /// <summary>The step's config bound to its type (an empty object when the run gives none).</summary>
    /// <exception cref="RunConfigException">The config does not fit the type.</exception>
    public static object Bind(string step, Type type, string? json)
    {
        try
        {
            return JsonSerializer.Deserialize(string.IsNullOrWhiteSpace(json) ? "{}" : json, type, Json)
                ?? throw new RunConfigException($"The run config of step '{step}' is null; give an object of its fields.");
        }
        catch (JsonException e)
        {
            throw new RunConfigException($"The run config of step '{step}' does not fit {type.Name}: {e.Message}");
        }
    }

    private static string JsonType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Guid) || type.IsEnum || type == typeof(TimeSpan) || type == typeof(DateOnly) => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) => "integer",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "number",
            _ when type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) && !IsDictionary(type) => "array",
            _ => "object",
        };
    }

    private static bool IsDictionary(Type type) => type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
}
