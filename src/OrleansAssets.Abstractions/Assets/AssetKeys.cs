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
    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

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
