using System.Text.Json;
using Microsoft.Data.Analysis;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansAssets.Tests.Cluster;

namespace OrleansAssets.Tests.Unit;

[Collection(ClusterCollection.Name)]
public sealed class MetadataTests(ClusterFixture fixture)
{
    public static TheoryData<MetadataValue> EveryKind()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("product", ["A", "B"]),
            new PrimitiveDataFrameColumn<long>("amount", [1000L, 26000L]),
            new PrimitiveDataFrameColumn<DateTime>("day", [new DateTime(2026, 1, 1), null]));
        return
        [
            MetadataValue.Int(long.MaxValue),
            MetadataValue.Float(3.25),
            MetadataValue.Float(double.NaN),
            MetadataValue.Bool(true),
            MetadataValue.FromText("B"),
            MetadataValue.Markdown("| a |\n| - |"),
            MetadataValue.Path("/data/sales_summary.csv"),
            MetadataValue.Url("https://example.com/report"),
            MetadataValue.Json(new { rows = 3, names = new[] { "a", "b" } }),
            MetadataValue.Table(frame),
        ];
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_kind_round_trips_through_the_grain_serializer(MetadataValue value)
    {
        var serializer = fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<MetadataValue>(serializer.SerializeToArray(value));

        Assert.Equal(value, copy);
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void Every_kind_round_trips_through_json_with_its_type_as_a_word(MetadataValue value)
    {
        var json = JsonSerializer.Serialize(value, JsonDefaults.Web);

        Assert.Equal(value, JsonSerializer.Deserialize<MetadataValue>(json, JsonDefaults.Web));
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonNamingPolicy.CamelCase.ConvertName(value.Kind.ToString()), document.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void Numbers_and_tables_are_json_values_not_text()
    {
        using var number = JsonDocument.Parse(JsonSerializer.Serialize(MetadataValue.Int(26000), JsonDefaults.Web));
        Assert.Equal(26000, number.RootElement.GetProperty("value").GetInt64());

        var frame = new DataFrame(new StringDataFrameColumn("product", ["B"]), new PrimitiveDataFrameColumn<long>("amount", [26000L]));
        using var table = JsonDocument.Parse(JsonSerializer.Serialize(MetadataValue.Table(frame), JsonDefaults.Web));
        var value = table.RootElement.GetProperty("value");
        Assert.Equal("product", value.GetProperty("columns")[0].GetProperty("name").GetString());
        Assert.Equal(26000, value.GetProperty("rows")[0][1].GetInt64());
        Assert.Equal(1, value.GetProperty("totalRows").GetInt64());
    }

    [Fact]
    public void Plain_values_convert_implicitly_to_their_kinds()
    {
        var metadata = new MaterializeResult { Metadata = { ["count"] = 3, ["big"] = 5_000_000_000L, ["ratio"] = 0.5, ["ok"] = false, ["name"] = "B" } }.Metadata;

        Assert.Equal(
            [MetadataKind.Int, MetadataKind.Int, MetadataKind.Float, MetadataKind.Bool, MetadataKind.Text],
            metadata.Values.Select(v => v.Kind));
        Assert.Equal(5_000_000_000L, metadata["big"].IntValue);
    }

    [Fact]
    public void Invalid_json_text_and_urls_are_refused()
    {
        Assert.ThrowsAny<JsonException>(() => MetadataValue.JsonText("{not json"));
        Assert.Throws<UriFormatException>(() => MetadataValue.Url("not a url"));
    }
}
