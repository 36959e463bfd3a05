namespace OrleansAssets;

/// <summary>
/// Carries a <see cref="MetadataValue"/> through grain calls. The Abstractions stay free of Orleans, so the
/// serializer learns the type through this surrogate instead of attributes on it.
/// </summary>
[GenerateSerializer, Alias("oa.MetadataValue")]
public struct MetadataValueSurrogate
{
    [Id(0)] public int Kind;
    [Id(1)] public long Int;
    [Id(2)] public double Float;
    [Id(3)] public bool Bool;
    [Id(4)] public string? Text;
}

[RegisterConverter]
public sealed class MetadataValueSurrogateConverter : IConverter<MetadataValue, MetadataValueSurrogate>
{
    public MetadataValue ConvertFromSurrogate(in MetadataValueSurrogate surrogate) =>
        MetadataValue.FromParts((MetadataKind)surrogate.Kind, surrogate.Int, surrogate.Float, surrogate.Bool, surrogate.Text);

    public MetadataValueSurrogate ConvertToSurrogate(in MetadataValue value) => new()
    {
        Kind = (int)value.Kind,
        Int = value.IntValue,
        Float = value.FloatValue,
        Bool = value.BoolValue,
        Text = value.Text,
    };
}
