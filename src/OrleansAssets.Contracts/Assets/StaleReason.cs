namespace OrleansAssets.Assets;

/// <summary>
/// One reason an asset's value is not what its code and its upstream would make now, Dagster's "unsynced" reasons:
/// an asset lists every one that holds, with <see cref="Message"/> the sentence every surface shows.
/// </summary>
[GenerateSerializer, Alias("oa.StaleReason")]
public sealed record StaleReason
{
    [Id(0)] public required StaleReasonKind Kind { get; init; }

    /// <summary>The upstream asset the reason is about, for the upstream kinds.</summary>
    [Id(1)] public string? Upstream { get; init; }

    /// <summary>For a code version change: the version the materialization ran (or consumed) with; null for none.</summary>
    [Id(2)] public string? From { get; init; }

    /// <summary>For a code version change: the version loaded now; null for none.</summary>
    [Id(3)] public string? To { get; init; }

    /// <summary>The reason as a sentence, for example "code version changed (v1 → v2)".</summary>
    [Id(4)] public required string Message { get; init; }

    public static StaleReason NeverMaterialized() => new() { Kind = StaleReasonKind.NeverMaterialized, Message = "never materialized" };

    public static StaleReason CodeVersionChanged(string? from, string? to) => new()
    {
        Kind = StaleReasonKind.CodeVersionChanged,
        From = from,
        To = to,
        Message = $"code version changed ({from ?? "none"} → {to ?? "none"})",
    };

    public static StaleReason UpstreamCodeVersionChanged(string upstream, string? from, string? to) => new()
    {
        Kind = StaleReasonKind.UpstreamCodeVersionChanged,
        Upstream = upstream,
        From = from,
        To = to,
        Message = $"upstream code version changed: {upstream}",
    };

    public static StaleReason UpstreamMaterialized(string upstream) => new()
    {
        Kind = StaleReasonKind.UpstreamMaterialized,
        Upstream = upstream,
        Message = $"upstream materialized since: {upstream}",
    };

    public override string ToString() => Message;
}

[GenerateSerializer, Alias("oa.StaleReasonKind")]
public enum StaleReasonKind
{
    /// <summary>The asset has no materialization yet.</summary>
    NeverMaterialized,

    /// <summary>The code version loaded now is not the one its latest materialization ran with.</summary>
    CodeVersionChanged,

    /// <summary>An upstream's loaded code version is not the one of the upstream materialization it consumed.</summary>
    UpstreamCodeVersionChanged,

    /// <summary>An upstream was materialized again after its latest materialization consumed it.</summary>
    UpstreamMaterialized,
}
