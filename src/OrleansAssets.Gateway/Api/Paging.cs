using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace OrleansAssets.Gateway.Api;

/// <summary>One page of a list: its items and the cursor of the next page (null on the last, and written as null).</summary>
public sealed record Page<T>(
    IReadOnlyList<T> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Next);

/// <summary>
/// Reads and writes the <c>limit</c> and <c>cursor</c> of list endpoints. A cursor is opaque to clients (base64url
/// of a small JSON document), so its inside can change without breaking anyone; a malformed one is bad input.
/// </summary>
internal static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <exception cref="BadRequestException">The limit is not a whole number from 1 to 1000.</exception>
    public static int Limit(string? text)
    {
        if (text is null)
        {
            return DefaultLimit;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit
            ? limit
            : throw new BadRequestException($"limit must be a whole number from 1 to {MaxLimit}; {UserText.Quote(text)} is not.");
    }

    public static string Encode<T>(T position) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(position, JsonDefaults.Web));

    /// <exception cref="BadRequestException">The cursor is not one this gateway gave out.</exception>
    public static T? Decode<T>(string? cursor) where T : class
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(Base64Url.DecodeFromChars(cursor), JsonDefaults.Web)
                ?? throw new BadRequestException($"cursor {UserText.Quote(cursor)} is not a cursor this API gave out; pass the 'next' of the previous page.");
        }
        catch (Exception e) when (e is FormatException or JsonException or NotSupportedException)
        {
            throw new BadRequestException($"cursor {UserText.Quote(cursor)} is not a cursor this API gave out; pass the 'next' of the previous page.");
        }
    }
}

/// <summary>The request is malformed; the message names what is wrong. A 400 problem detail.</summary>
public sealed class BadRequestException(string message) : Exception(message);
