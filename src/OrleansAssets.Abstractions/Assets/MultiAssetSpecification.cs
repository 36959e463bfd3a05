namespace OrleansAssets;

/// <summary>
/// One step that materializes several assets at once, Dagster's <c>@multi_asset</c>: a query that yields a few
/// tables, a model that writes its predictions and its metrics. Each output is an asset of its own (its own state,
/// materializations, metadata, data version and value through its IO manager); the code runs once for them all.
/// </summary>
/// <param name="Name">Names the step in runs and logs (letters, digits and '_'); not an asset key.</param>
public sealed record MultiAssetSpecification(string Name)
{
    /// <summary>The assets it materializes. Their <see cref="AssetSpecification.Deps"/> add to <see cref="Deps"/>; a group left unset is <see cref="Group"/>.</summary>
    public IReadOnlyList<AssetSpecification> Outputs { get; init; } = [];

    /// <summary>Upstream asset keys every output depends on (the step runs after all of them).</summary>
    public IReadOnlyList<string> Deps { get; init; } = [];

    /// <summary>The group of outputs that name none.</summary>
    public string? Group { get; init; }

    /// <summary>
    /// True when the code can materialize some of the outputs only: a run that selects a few runs it for those, and
    /// <see cref="AssetContext.SelectedOutputs"/> says which. False (the default): selecting some outputs without the
    /// others is an error that names the ones to add.
    /// </summary>
    public bool CanSubset { get; init; }
}

/// <summary>
/// What a multi-asset returns: one entry per output it was asked for (<see cref="AssetContext.SelectedOutputs"/>),
/// each an <see cref="Output{T}"/> (a value for the output's IO manager, with metadata), a
/// <see cref="MaterializeResult"/> (metadata only), or a bare value.
/// </summary>
public sealed class MultiAssetResult
{
    private readonly Dictionary<string, object?> _outputs = new(StringComparer.Ordinal);

    /// <summary>The result for output <paramref name="assetKey"/>.</summary>
    public object? this[string assetKey]
    {
        get => _outputs[assetKey];
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(assetKey);
            _outputs[assetKey] = value;
        }
    }

    /// <summary>The output keys given a result.</summary>
    public IReadOnlyCollection<string> Keys => _outputs.Keys;

    public bool TryGet(string assetKey, out object? result) => _outputs.TryGetValue(assetKey, out result);
}
