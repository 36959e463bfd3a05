using System.Buffers.Text;
using System.Text.Json;

namespace OrleansAssets.Client.Http;

/// <summary>
/// The API's cursors for the positions the SDK's contracts name (an offset, a time, a run's place in the list).
/// A cursor is opaque to other clients; this one ships with the gateway and writes the same small JSON documents
/// (base64url), so <see cref="Queries.AssetQuery.Offset"/> and <see cref="Runs.RunQuery.CreatedBefore"/> mean
/// over HTTP what they mean over Orleans.
/// </summary>
internal static class ApiCursors
{
    public static string Offset(int offset) => Encode(new OffsetCursor(offset));

    public static string Before(DateTimeOffset before) => Encode(new TimeCursor(before));

    /// <param name="runId">With <paramref name="createdAt"/>: runs created at that very time sort after this id.</param>
    public static string Run(DateTimeOffset createdAt, Guid? runId) => Encode(new RunCursor(createdAt, runId));

    /// <summary>The offset a <c>next</c> of the assets list stands for; null on the last page (or a cursor of another kind).</summary>
    public static int? OffsetOf(string? next)
    {
        if (next is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<OffsetCursor>(Base64Url.DecodeFromChars(next), JsonDefaults.Web)?.Offset;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string Encode<T>(T position) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(position, JsonDefaults.Web));

    private sealed record OffsetCursor(int Offset);

    private sealed record TimeCursor(DateTimeOffset Before);

    private sealed record RunCursor(DateTimeOffset CreatedAt, Guid? RunId);
}
