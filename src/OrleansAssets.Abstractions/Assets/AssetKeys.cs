using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansAssets;

/// <summary>How asset keys are spelled and derived from C# names.</summary>
public static partial class AssetKeys
{
    /// <summary>
    /// A key is one or more snake_case-friendly segments separated by '/', as Dagster's multi-part keys:
    /// letters, digits and '_', not starting with a digit.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>
    /// Why <paramref name="key"/> is not a valid key, in words a user can act on ("has an empty part"), or null when
    /// it is valid: a factory that makes keys from data needs to know which rule its data broke.
    /// </summary>
    public static string? Problem(string? key)
    {
        if (IsValid(key))
        {
            return null;
        }

        if (string.IsNullOrEmpty(key))
        {
            return "is empty";
        }

        if (key.StartsWith('/') || key.EndsWith('/'))
        {
            return "starts or ends with '/'";
        }

        var parts = key.Split('/');
        if (parts.Any(p => p.Length == 0))
        {
            return "has an empty part ('//')";
        }

        var bad = key.FirstOrDefault(c => c != '/' && c != '_' && !char.IsAsciiLetterOrDigit(c));
        if (bad != default)
        {
            return char.IsControl(bad) || char.IsWhiteSpace(bad)
                ? $"has the character U+{(int)bad:X4}; use letters, digits and '_' in parts separated by '/'"
                : $"has the character '{bad}'; use letters, digits and '_' in parts separated by '/'";
        }

        return "has a part that starts with a digit";
    }

    /// <summary><paramref name="prefix"/>/<paramref name="key"/>, or the key alone when there is no prefix.</summary>
    public static string WithPrefix(string? prefix, string key) => string.IsNullOrEmpty(prefix) ? key : $"{prefix}/{key}";

    /// <summary>The snake_case form of a C# member name: <c>RawSalesData</c> and <c>rawSalesData</c> give <c>raw_sales_data</c>, <c>HTTPLogs</c> gives <c>http_logs</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previous = i > 0 ? name[i - 1] : '\0';
                var next = i + 1 < name.Length ? name[i + 1] : '\0';
                var startsWord = i > 0 && previous != '_' && (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && char.IsLower(next)));
                if (startsWord)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
