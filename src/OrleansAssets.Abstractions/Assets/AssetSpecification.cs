namespace OrleansAssets;

/// <summary>
/// What an asset is, Dagster's <c>AssetSpec</c>: the one description every way of defining an asset produces. An
/// <see cref="AssetAttribute"/> method is read into one; a factory that makes any number of assets from data (a list
/// of tables, a manifest) builds them itself and adds each with <c>AddAsset</c>.
/// </summary>
/// <param name="Key">
/// The asset key: one or more parts of letters, digits and '_' (not starting with a digit) separated by '/', such as
/// <c>core/models/orders</c>. Added in an asset group with a key prefix, the prefix goes in front.
/// </param>
public sealed record AssetSpecification(string Key)
{
    /// <summary>
    /// Upstream asset keys this asset runs after without receiving their values. In an asset group with a key prefix,
    /// a dep that names an asset added in the same group by its key without the prefix gets the prefix; any other dep
    /// is taken as the whole key.
    /// </summary>
    public IReadOnlyList<string> Deps { get; init; } = [];

    /// <summary>
    /// Upstream asset keys whose stored values the asset's code loads with
    /// <see cref="AssetContext.LoadInputAsync{T}(string)"/>, through the upstream's IO manager; each is a dep too. A
    /// run that selects this asset needs a materialization of each. Prefixed as <see cref="Deps"/> are.
    /// </summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

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

    /// <summary>The name of the IO manager that stores the value the asset returns; the code location's default when not set.</summary>
    public string? IOManager { get; init; }
}
