namespace OrleansAssets;

/// <summary>
/// What an asset that stores its own data (through <see cref="AssetAttribute.Deps"/>) returns: metadata only.
/// </summary>
public sealed class MaterializeResult
{
    public IDictionary<string, MetadataValue> Metadata { get; init; } = new Dictionary<string, MetadataValue>(StringComparer.Ordinal);

    /// <summary>An explicit data version; when not set the runtime derives one from the metadata.</summary>
    public string? DataVersion { get; init; }
}

/// <summary>
/// A value for the IO manager to store, with metadata about it, as Dagster's <c>Output</c>.
/// An asset may also return the bare value when it has no metadata to add.
/// </summary>
public sealed class Output<T>(T value) : IOutput
{
    public T Value { get; } = value;

    public IDictionary<string, MetadataValue> Metadata { get; init; } = new Dictionary<string, MetadataValue>(StringComparer.Ordinal);

    /// <summary>An explicit data version; when not set the IO manager derives one from the stored bytes.</summary>
    public string? DataVersion { get; init; }

    object? IOutput.Value => Value;
}

/// <summary>Lets the runtime read any <see cref="Output{T}"/> without knowing its <c>T</c>.</summary>
public interface IOutput
{
    object? Value { get; }

    IDictionary<string, MetadataValue> Metadata { get; }

    string? DataVersion { get; }
}
