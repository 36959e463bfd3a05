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
        api.MapPost("/materializations", ReportMaterialization)
            .WithName("reportMaterialization").WithTags("Assets")
            .WithSummary("Report a materialization of an external asset")
            .WithDescription("For an asset produced outside OrleansAssets (declared with AddExternalAsset): records a materialization with its metadata and data version, "
                + "makes its downstream stale (\"upstream materialized since\") and fires asset sensors watching it, as a run's materialization does. "
                + "Body: {\"asset\": \"partner_feed\", \"metadata\": {\"rows\": 120, \"source\": \"sftp\"}, \"dataVersion\": \"2026-12-01\", \"reportId\": \"(optional uuid)\"}. "
                + "A metadata value is a JSON number (an integer is int, else float), boolean, string (text), other JSON (json), or the typed form {\"type\": \"url\", \"value\": \"https://...\"}. "
                + "dataVersion is optional (derived from the metadata when left out); reportId makes a retried report land once (a fresh one when left out). "
                + "Answers 201 with the materialization record (its runId is the report's id; no run has it); 404 for an unknown key, 400 for an asset that is not external (runs materialize it) or a bad body.")
            .Accepts<MaterializationSubmission>("application/json")
            .Produces<MaterializationRecord>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
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

    private static async Task<Created<MaterializationRecord>> ReportMaterialization(OrleansAssetsClient client, HttpRequest request)
    {
        var body = await MaterializationSubmission.ReadAsync(request);
        var record = await client.ReportMaterializationAsync(body.Asset, body.Metadata, body.DataVersion, body.ReportId);
        return TypedResults.Created($"/api/v1/materializations?asset={Uri.EscapeDataString(record.AssetKey)}", record);
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

/// <summary>A reported materialization of an external asset: the body of <c>POST /api/v1/materializations</c>.</summary>
public sealed record MaterializationSubmission
{
    private const string Example = "{\"asset\": \"partner_feed\", \"metadata\": {\"rows\": 120}, \"dataVersion\": \"2026-12-01\"}";

    /// <summary>The external asset's key.</summary>
    public required string Asset { get; init; }

    /// <summary>Plain JSON values (a number, boolean, string, other JSON) or the typed form <c>{"type": "int", "value": 3}</c>.</summary>
    public Dictionary<string, MetadataValue> Metadata { get; init; } = new(StringComparer.Ordinal);

    public string? DataVersion { get; init; }

    /// <summary>Makes a retried report land once.</summary>
    public Guid? ReportId { get; init; }

    /// <exception cref="BadRequestException">The body is not JSON, not an object, or not a report; the message says which field and why.</exception>
    internal static async Task<MaterializationSubmission> ReadAsync(HttpRequest request)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example)
            ?? throw new BadRequestException($"The body is empty; send {Example}.");
        string? asset = null;
        string? dataVersion = null;
        Guid? reportId = null;
        var metadata = new Dictionary<string, MetadataValue>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name.ToLowerInvariant())
            {
                case "asset" when value.ValueKind == System.Text.Json.JsonValueKind.String:
                    asset = value.GetString();
                    break;
                case "asset":
                    throw new BadRequestException($"asset must be a string, the external asset's key, not {JsonBody.Kind(value)}.");
                case "dataversion" when value.ValueKind == System.Text.Json.JsonValueKind.String:
                    dataVersion = value.GetString();
                    break;
                case "dataversion" when value.ValueKind == System.Text.Json.JsonValueKind.Null:
                    break;
                case "dataversion":
                    throw new BadRequestException($"dataVersion must be a string, not {JsonBody.Kind(value)}.");
                case "reportid" when value.ValueKind == System.Text.Json.JsonValueKind.Null:
                    break;
                case "reportid" when value.ValueKind == System.Text.Json.JsonValueKind.String && Guid.TryParse(value.GetString(), out var id):
                    reportId = id;
                    break;
                case "reportid":
                    throw new BadRequestException($"reportId must be a uuid string (for example 7c0f1e2a-58b9-4d1e-9a57-0d6b2f8e4a11), not {(value.ValueKind == System.Text.Json.JsonValueKind.String ? UserText.Quote(value.GetString()!) : JsonBody.Kind(value))}.");
                case "metadata" when value.ValueKind == System.Text.Json.JsonValueKind.Null:
                    break;
                case "metadata" when value.ValueKind == System.Text.Json.JsonValueKind.Object:
                    foreach (var entry in value.EnumerateObject())
                    {
                        metadata[entry.Name] = MetadataOf(entry.Name, entry.Value);
                    }

                    break;
                case "metadata":
                    throw new BadRequestException($"metadata must be an object (name to value), not {JsonBody.Kind(value)}.");
                default:
                    throw new BadRequestException($"{UserText.Quote(property.Name)} is not a field of a materialization report; it takes asset, metadata, dataVersion and reportId.");
            }
        }

        return string.IsNullOrWhiteSpace(asset)
            ? throw new BadRequestException($"The body needs asset, the external asset's key: {Example}.")
            : new MaterializationSubmission { Asset = asset, Metadata = metadata, DataVersion = dataVersion, ReportId = reportId };
    }

    /// <summary>A plain JSON value as the metadata it reads as, or the typed form as written.</summary>
    private static MetadataValue MetadataOf(string name, System.Text.Json.JsonElement value)
    {
        switch (value.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Number:
                return value.TryGetInt64(out var integer) ? MetadataValue.Int(integer) : MetadataValue.Float(value.GetDouble());
            case System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                return MetadataValue.Bool(value.GetBoolean());
            case System.Text.Json.JsonValueKind.String:
                return MetadataValue.FromText(value.GetString()!);
            case System.Text.Json.JsonValueKind.Null:
                throw new BadRequestException($"metadata {UserText.Quote(name)} is null; give it a value or leave it out.");
            case System.Text.Json.JsonValueKind.Object when value.TryGetProperty("type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String
                && value.TryGetProperty("value", out _) && value.EnumerateObject().Count() == 2:
                try
                {
                    var typed = System.Text.Json.JsonSerializer.Deserialize<MetadataValue>(value.GetRawText(), OrleansAssetsJson.Options)!;

                    // The converter keeps a url's text as written (it reads what we wrote); from outside it must be a URL.
                    return typed.Kind == MetadataKind.Url ? MetadataValue.Url(typed.Text!) : typed;
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or ArgumentException or UriFormatException)
                {
                    throw new BadRequestException($"metadata {UserText.Quote(name)} is not a valid {UserText.Quote(type.GetString()!)} value ({UserText.Shorten(e.Message, 200)}).");
                }

            default:
                return MetadataValue.JsonText(value.GetRawText());
        }
    }
}

/// <summary>Enum values as the API writes them (camelCase words), read back from query strings.</summary>
internal static class Words
{
    public static T Parse<T>(string text, string parameter) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) && Enum.IsDefined(value)
            ? value
            : throw new BadRequestException($"{parameter} {UserText.Quote(text)} is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(n)))}.");
}
