using Microsoft.Data.Analysis;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;
using OrleansAssets.IO;

namespace OrleansAssets.Tests.Unit;

public sealed class FileSystemIOManagerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("oa-io-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_data_frame_round_trips_with_its_column_types_and_nulls()
    {
        var io = Create();
        var frame = new DataFrame(
            new StringDataFrameColumn("product", ["A", null, "C"]),
            new PrimitiveDataFrameColumn<long>("amount", [long.MaxValue, null, -3L]),
            new PrimitiveDataFrameColumn<double>("ratio", [0.5, 1.5, null]),
            new PrimitiveDataFrameColumn<bool>("ok", [true, false, null]),
            new PrimitiveDataFrameColumn<int>("small", [1, 2, 3]),
            new PrimitiveDataFrameColumn<DateTime>("day", [new DateTime(2026, 1, 1), null, new DateTime(2026, 1, 7, 13, 5, 0)]));
        var run = Guid.NewGuid();

        var stored = await io.StoreAsync(new OutputContext("cleaned/sales", run), frame, default);
        var loaded = (DataFrame)(await io.LoadAsync(new InputContext("cleaned/sales", run, "summary"), typeof(DataFrame), default))!;

        Assert.EndsWith(".arrow", stored.Location);
        Assert.Equal(frame.Columns.Select(c => (c.Name, c.DataType)), loaded.Columns.Select(c => (c.Name, c.DataType)));
        for (var c = 0; c < frame.Columns.Count; c++)
        {
            Assert.Equal(Enumerable.Range(0, 3).Select(r => frame.Columns[c][r]), Enumerable.Range(0, 3).Select(r => loaded.Columns[c][r]));
        }
    }

    [Fact]
    public async Task An_empty_data_frame_keeps_its_columns()
    {
        var io = Create();
        var run = Guid.NewGuid();
        var empty = new DataFrame(new StringDataFrameColumn("product", 0), new PrimitiveDataFrameColumn<long>("amount", 0));

        await io.StoreAsync(new OutputContext("empty", run), empty, default);
        var loaded = (DataFrame)(await io.LoadAsync(new InputContext("empty", run, "next"), typeof(DataFrame), default))!;

        Assert.Equal(0, loaded.Rows.Count);
        Assert.Equal(["product", "amount"], loaded.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task Other_values_round_trip_as_json_into_the_parameter_type()
    {
        var io = Create();
        var run = Guid.NewGuid();

        var stored = await io.StoreAsync(new OutputContext("totals", run), new Totals("B", 26000), default);
        var loaded = await io.LoadAsync(new InputContext("totals", run, "report"), typeof(Totals), default);

        Assert.EndsWith(".json", stored.Location);
        Assert.Equal(new Totals("B", 26000), loaded);
    }

    [Fact]
    public async Task The_data_version_follows_the_content()
    {
        var io = Create();

        var first = await io.StoreAsync(new OutputContext("v", Guid.NewGuid()), new Totals("A", 1), default);
        var same = await io.StoreAsync(new OutputContext("v", Guid.NewGuid()), new Totals("A", 1), default);
        var other = await io.StoreAsync(new OutputContext("v", Guid.NewGuid()), new Totals("A", 2), default);

        Assert.Equal(first.DataVersion, same.DataVersion);
        Assert.NotEqual(first.DataVersion, other.DataVersion);
    }

    [Fact]
    public async Task Young_versions_are_kept_however_many_runs_write_newer_ones()
    {
        var io = Create(keep: 2, keepFor: TimeSpan.FromHours(1));
        var first = Guid.NewGuid();
        await io.StoreAsync(new OutputContext("busy", first), new Totals("first", 1), default);
        for (var i = 0; i < 20; i++)
        {
            await io.StoreAsync(new OutputContext("busy", Guid.NewGuid()), new Totals("later", i), default);
        }

        var loaded = (Totals)(await io.LoadAsync(new InputContext("busy", first, "downstream"), typeof(Totals), default))!;

        Assert.Equal("first", loaded.Product);
        Assert.Equal(21, Directory.GetFiles(Path.Combine(_root, "busy")).Length);
    }

    [Fact]
    public async Task Each_run_keeps_its_own_version_and_old_ones_are_pruned()
    {
        var io = Create(keep: 3, keepFor: TimeSpan.Zero);
        var runs = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var run in runs)
        {
            await io.StoreAsync(new OutputContext("p", run), new Totals(run.ToString(), 1), default);
            await Task.Delay(15);
        }

        Assert.Equal(3, Directory.GetFiles(Path.Combine(_root, "p")).Length);
        var newest = (Totals)(await io.LoadAsync(new InputContext("p", runs[^1], "x"), typeof(Totals), default))!;
        Assert.Equal(runs[^1].ToString(), newest.Product);
        var pruned = await Assert.ThrowsAsync<FileNotFoundException>(async () => await io.LoadAsync(new InputContext("p", runs[0], "x"), typeof(Totals), default));
        Assert.Contains("KeepFor", pruned.Message);
    }

    [Fact]
    public async Task Asking_for_a_data_frame_as_another_type_is_named()
    {
        var io = Create();
        var run = Guid.NewGuid();
        await io.StoreAsync(new OutputContext("frame", run), new DataFrame(new PrimitiveDataFrameColumn<int>("n", [1])), default);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await io.LoadAsync(new InputContext("frame", run, "user"), typeof(Totals), default));

        Assert.Contains("'user' takes 'frame' as Totals", error.Message);
    }

    private FileSystemIOManager Create(int keep = 10, TimeSpan? keepFor = null) =>
        new(Options.Create(new OrleansAssetsOptions { IOManager = { Root = _root, KeepVersions = keep, KeepFor = keepFor ?? TimeSpan.FromHours(24) } }));

    public sealed record Totals(string Product, long Amount);
}
