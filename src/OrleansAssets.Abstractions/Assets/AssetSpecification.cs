namespace OrleansAssets;

/// <summary>
/// An asset defined in code instead of by an <see cref="AssetAttribute"/> method, Dagster's <c>AssetSpec</c>: what
/// the asset is, for a factory that makes any number of assets from data (a list of tables, a manifest).
/// </summary>
/// <param name="Key">The asset key (segments of letters, digits and '_' separated by '/').</param>
public sealed record AssetSpecification(string Key)
{
    /// <summary>Upstream asset keys this asset runs after.</summary>
    public IReadOnlyList<string> Deps { get; init; } = [];

    /// <summary>The group the asset is shown in and selected by; "default" when not set.</summary>
    public string? Group { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Owners { get; init; } = [];

    /// <summary>Kinds (<c>csv</c>, <c>dataframe</c>...), selectable with <c>kind:name</c>.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>The version of the code that computes the asset (see <see cref="AssetAttribute.CodeVersion"/>).</summary>
    public string? CodeVersion { get; init; }

    /// <summary>When a failure of its code is tried again; the code location's default (<see cref="ICodeLocationBuilder.UseRetryPolicy"/>) when null.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>The longest its code may run (see <see cref="AssetAttribute.MaxRunTimeSeconds"/>); the silo's setting when null.</summary>
    public TimeSpan? MaxRunTime { get; init; }
}
