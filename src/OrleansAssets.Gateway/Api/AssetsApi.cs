using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Assets;
using OrleansAssets.Client;
using OrleansAssets.Client.Views;
using OrleansAssets.Queries;

namespace OrleansAssets.Gateway.Api;

/// <summary>
/// Assets, their lineage and their materializations. An asset's key may hold '/' (multi-part keys), so it is the
/// last segment of its route (a catch-all, '%2F' accepted too) and its sub-resources have routes of their own.
/// </summary>
internal static class AssetsApi
{
    public static RouteGroupBuilder MapAssetsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/assets", ListAssets)
            .WithName("listAssets").WithTags("Assets")
            .WithSummary("List assets (an unknown key in select is skipped and named in warnings)")
            .WithDescription("The assets in dependency order, with status and last materialization. Filters: select (Dagster's asset selection syntax: "
                + "'key', 'key:\"a*\"', 'tag:k=v', 'owner:x', 'group:g', 'kind:k', 'code_location:c', traversals '+t', '2+t', 't+', '*t', 't*', "
                + "'and', 'or', 'not', '( )', 'roots(...)', 'sinks(...)', comma lists), group, codeLocation, status. "
                + "As 'dagster asset list --select' does, an unknown bare key in select is skipped and named in the page's 'warnings' "
                + "(unknownKeys=error makes it a 400 instead); a group, tag, owner, kind or code location that matches nothing lists nothing; "
                + "a malformed selection is a 400 problem naming the term and its character position.");
        api.MapGet("/assets/{**key}", GetAsset)
            .WithName("getAsset").WithTags("Assets")
            .WithSummary("Get one asset")
            .WithDescription("Definition, status, why it is stale, the latest materialization with its metadata, recent history. A key with '/' may be sent as is or with %2F.");
        api.MapGet("/materializations", ListMaterializations)
            .WithName("listMaterializations").WithTags("Assets")
            .WithSummary("List an asset's materializations")
            .WithDescription("Newest first, paged.");
        api.MapGet("/lineage", GetLineage)
            .WithName("getLineage").WithTags("Assets")
            .WithSummary("The lineage graph")
            .WithDescription("Every asset (or a selection's) with its live state, and the edges from each upstream asset to its dependents: what the graph view draws, in one call. "
                + "select takes the syntax of GET /assets (the dashboard's selection box sends it as typed); an unknown bare key in it, or a malformed "
                + "selection, is a 400 problem whose detail names the term and its character position.");
        return api;
    }

    private static async Task<Ok<AssetsPage>> ListAssets(
        OrleansAssetsClient client, string? select, string? group, string? codeLocation, string? status, string? limit, string? cursor, string? unknownKeys)
    {
        var skipUnknownKeys = unknownKeys switch
        {
            null or "skip" => true,
            "error" => false,
            _ => throw new BadRequestException($"unknownKeys is 'skip' (the default: an unknown key in select is skipped with a warning) or 'error', not {UserText.Quote(unknownKeys)}."),
        };
        var position = Paging.Decode<OffsetCursor>(cursor);
        var page = await client.FindAssetsAsync(new AssetQuery
        {
            Selection = select,
            Group = group,
            CodeLocation = codeLocation,
            Status = status is null ? null : Words.Parse<AssetStatus>(status, "status"),
            Offset = position?.Offset ?? 0,
            Limit = Paging.Limit(limit),
            SkipUnknownKeys = skipUnknownKeys,
        });
        return TypedResults.Ok(new AssetsPage(
            page.Items,
            page.NextOffset is { } next ? Paging.Encode(new OffsetCursor(next)) : null,
            page.Warnings.Count == 0 ? null : page.Warnings));
    }

    private static async Task<Ok<AssetView>> GetAsset(OrleansAssetsClient client, string key) =>
        TypedResults.Ok(AssetView.From(await client.GetAssetAsync(AssetKeyOf(key))));

    private static async Task<Ok<Page<MaterializationRecord>>> ListMaterializations(OrleansAssetsClient client, string? asset, string? limit, string? cursor)
    {
        if (string.IsNullOrWhiteSpace(asset))
        {
            throw new BadRequestException("asset is required: the key of the asset whose materializations to list (?asset=sales_summary).");
        }

        var size = Paging.Limit(limit);
        var before = Paging.Decode<TimeCursor>(cursor)?.Before;
        var items = await client.ListMaterializationsAsync(AssetKeyOf(asset), before, size);
        return TypedResults.Ok(new Page<MaterializationRecord>(items, items.Count == size ? Paging.Encode(new TimeCursor(items[^1].Timestamp)) : null));
    }

    private static async Task<Ok<Lineage>> GetLineage(OrleansAssetsClient client, string? select) =>
        TypedResults.Ok(await client.GetLineageAsync(string.IsNullOrWhiteSpace(select) ? null : select));

    /// <summary>A key from a route or query: '%2F' stands for '/', and nothing else may be escaped in a key.</summary>
    private static string AssetKeyOf(string raw) => raw.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(raw) : raw;

    private sealed record OffsetCursor(int Offset);

    /// <summary>A page of assets: a <see cref="Page{T}"/> with, when the selection named unknown keys it skipped, what it skipped.</summary>
    public sealed record AssetsPage(
        IReadOnlyList<AssetSummary> Items,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Next,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Warnings);

    private sealed record TimeCursor(DateTimeOffset Before);
}

/// <summary>Enum values as the API writes them (camelCase words), read back from query strings.</summary>
internal static class Words
{
    public static T Parse<T>(string text, string parameter) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) && Enum.IsDefined(value)
            ? value
            : throw new BadRequestException($"{parameter} {UserText.Quote(text)} is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(n)))}.");
}
