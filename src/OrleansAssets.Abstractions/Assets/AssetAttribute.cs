namespace OrleansAssets;

/// <summary>
/// Marks a method as the code that materializes an asset, the counterpart of Dagster's <c>@asset</c>.
/// </summary>
/// <remarks>
/// The asset key defaults to the method name in snake_case (<c>RawSalesData</c> becomes <c>raw_sales_data</c>).
/// A parameter named after another asset (<c>DataFrame rawSalesData</c>) receives that asset's stored value,
/// loaded by its IO manager; <see cref="Deps"/> lists upstream assets that only order the work.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AssetAttribute : Attribute
{
    public AssetAttribute()
    {
    }

    public AssetAttribute(string key) => Key = key;

    /// <summary>The asset key; the snake_case method name when not set.</summary>
    public string? Key { get; set; }

    public string? Description { get; set; }

    /// <summary>The group the asset is shown in and selected by (<c>group:name</c>); "default" when not set.</summary>
    public string? Group { get; set; }

    /// <summary>Tags as <c>key=value</c> (or a bare <c>key</c>), selectable with <c>tag:key=value</c>.</summary>
    public string[] Tags { get; set; } = [];

    /// <summary>Owners, for example e-mail addresses or team names.</summary>
    public string[] Owners { get; set; } = [];

    /// <summary>Kinds, as Dagster's: the technologies or formats the asset is (<c>csv</c>, <c>dataframe</c>), selectable with <c>kind:name</c>.</summary>
    public string[] Kinds { get; set; } = [];

    /// <summary>Upstream asset keys this asset must run after without receiving their values.</summary>
    public string[] Deps { get; set; } = [];

    /// <summary>The name of the IO manager that stores this asset's value; the code location's default when not set.</summary>
    public string? IOManager { get; set; }

    /// <summary>
    /// The version of the code that computes the asset, Dagster's <c>code_version</c>: change it when a change to the
    /// code changes the value, and the asset (and what depends on it) shows as stale until materialized again.
    /// </summary>
    public string? CodeVersion { get; set; }

    /// <summary>
    /// The longest its code may run, in seconds; past it, its cancellation token fires and the attempt fails as timed
    /// out. 0: the silo's <c>OrleansAssets:StepTimeout</c> (none by default).
    /// </summary>
    public double MaxRunTimeSeconds { get; set; }
}

/// <summary>
/// Names the upstream asset a parameter receives when the parameter's name is not that asset's key.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class UpstreamAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}
