using System.Text.Json;
using OrleansAssets.Assets;

namespace OrleansAssets.Runs;

/// <summary>
/// Checks a run's config against the config fields of the steps it runs, when the run is submitted: an unknown step,
/// an unknown or missing field, a value of the wrong type is refused, naming the step and the field, and nothing runs.
/// </summary>
internal static class RunConfigValidator
{
    /// <summary>The config, parsed and checked; each step's part by step key.</summary>
    /// <exception cref="RunConfigException">It does not fit.</exception>
    public static Dictionary<string, string> Validate(string? json, IReadOnlyDictionary<string, AssetSpec> steps, bool checkUnknownSteps = true)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            json = "{}";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RunConfigException($"The run config is not JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')}); give an object by step key, for example {{\"raw_sales_data\": {{\"path\": \"data/sales.csv\"}}}}.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RunConfigException($"The run config must be an object by step key, not {Kind(document.RootElement)}.");
            }

            foreach (var step in document.RootElement.EnumerateObject())
            {
                if (!steps.TryGetValue(step.Name, out var spec))
                {
                    if (checkUnknownSteps)
                    {
                        throw new RunConfigException($"The run config names step {UserText.Quote(step.Name)}, which this run does not run (it runs: {string.Join(", ", steps.Keys.Take(20))}{(steps.Count > 20 ? ", …" : "")}).");
                    }

                    continue;
                }

                parts[step.Name] = step.Value.GetRawText();
                Check(step.Name, spec, step.Value);
            }

            foreach (var spec in steps.Values.Where(s => s.Config.Any(f => f.Required) && !parts.ContainsKey(s.Key)))
            {
                if (checkUnknownSteps)
                {
                    throw new RunConfigException($"Step '{spec.Key}' needs its run config: field '{spec.Config.First(f => f.Required).Name}' is required.");
                }
            }
        }

        return parts;
    }

    private static void Check(string step, AssetSpec spec, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new RunConfigException($"The run config of step '{step}' must be an object of its fields, not {Kind(value)}.");
        }

        if (spec.Config.Count == 0)
        {
            throw new RunConfigException($"Step '{step}' takes no run config.");
        }

        var fields = spec.Config.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!fields.TryGetValue(field.Name, out var declared))
            {
                throw new RunConfigException($"The run config of step '{step}' has field {UserText.Quote(field.Name)}, which it does not take (it takes: {string.Join(", ", fields.Keys)}).");
            }

            if (!Fits(declared.Type, field.Value) && !(field.Value.ValueKind == JsonValueKind.Null && !declared.Required))
            {
                throw new RunConfigException($"Field '{field.Name}' of the run config of step '{step}' must be {Article(declared.Type)} {declared.Type}, not {Kind(field.Value)}.");
            }
        }

        foreach (var missing in spec.Config.Where(f => f.Required && !value.TryGetProperty(f.Name, out _)))
        {
            throw new RunConfigException($"The run config of step '{step}' misses field '{missing.Name}', which is required.");
        }
    }

    private static bool Fits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => value.ValueKind == JsonValueKind.Object,
    };

    private static string Article(string type) => type is "integer" or "array" or "object" ? "an" : "a";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        _ => "an object",
    };
}
