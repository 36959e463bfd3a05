using System.Text.Json;
using Microsoft.Data.Analysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAssets.Assets;
using OrleansAssets.Client.Views;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.Cluster;

namespace OrleansAssets.Tests.Unit;

public sealed class UserApiTests
{
    [Theory]
    [InlineData("RawSalesData", "raw_sales_data")]
    [InlineData("rawSalesData", "raw_sales_data")]
    [InlineData("HTTPLogs", "http_logs")]
    [InlineData("Top10Products", "top10_products")]
    [InlineData("already_snake", "already_snake")]
    public void Member_names_become_snake_case_keys(string name, string key) => Assert.Equal(key, AssetKeys.ToSnakeCase(name));

    [Fact]
    public void A_data_frame_renders_as_a_markdown_table()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("product", ["B", "C|D"]),
            new PrimitiveDataFrameColumn<long>("amount", [26000L, 11000L]),
            new PrimitiveDataFrameColumn<DateTime>("day", [new DateTime(2026, 1, 2), null]));

        Assert.Equal(
            "| product | amount | day        |\n" +
            "| ------- | -----: | ---------- |\n" +
            "| B       |  26000 | 2026-01-02 |\n" +
            "| C\\|D    |  11000 |            |\n",
            frame.ToMarkdown());
        Assert.EndsWith("_1 more rows_\n", frame.ToMarkdown(maxRows: 1));
    }

    [Fact]
    public void A_resource_is_bound_from_its_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sales:CsvPath"] = "/data/other.csv",
            ["Sales:OutputDir"] = "/data/out",
        }).Build();
        var registry = CodeLocationRegistry.Load([new CodeLocationOptions { Assembly = ClusterFixture.CodeLocationAssembly("SalesPipeline") }], configuration);
        var location = registry.Get("sales");
        using var host = new ServiceCollection().AddLogging().BuildServiceProvider();

        var files = location.GetServices(host).GetRequiredService(location.Assembly.GetType("SalesPipeline.SalesFiles")!);

        Assert.Equal("/data/other.csv", files.GetType().GetProperty("CsvPath")!.GetValue(files));
        Assert.Equal("/data/out", files.GetType().GetProperty("OutputDir")!.GetValue(files));
        Assert.Equal(["cleaned_sales_data", "raw_sales_data", "sales_summary"], location.Manifest.Assets.Select(a => a.Key));
    }

    [Fact]
    public void A_user_code_assembly_gets_its_own_load_context_but_shares_the_abstractions()
    {
        var registry = CodeLocationRegistry.Load([new CodeLocationOptions { Assembly = ClusterFixture.CodeLocationAssembly("SalesPipeline") }], new ConfigurationBuilder().Build());
        var assembly = registry.Get("sales").Assembly;

        Assert.NotEqual(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(assembly));
        Assert.Contains(assembly.GetReferencedAssemblies(), a => a.Name == typeof(ICodeLocation).Assembly.GetName().Name);
        Assert.Same(typeof(ICodeLocation).Assembly, assembly.GetType("SalesPipeline.SalesLocation")!.GetInterfaces().Single().Assembly);
    }

    [Fact]
    public void Assets_can_be_unit_tested_by_calling_them_with_a_context_of_their_own()
    {
        var context = new AssetContext("source", Guid.NewGuid(), NullLogger.Instance);

        Assert.Equal(41, TestLocations.BranchingAssets.Source(context));
    }

    [Fact]
    public void Run_json_uses_camel_case_names_and_enum_words()
    {
        var run = new RunDetails
        {
            Run = new RunRecord { RunId = Guid.NewGuid(), Status = RunStatus.Success, Selection = "*", CreatedAt = DateTimeOffset.UtcNow, AssetKeys = ["a"] },
            Steps = [new StepSummary { AssetKey = "a", Status = StepStatus.Success, Attempts = 1 }],
            Events =
            [
                new RunEvent { RunId = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow, Type = RunEventType.Materialization, AssetKey = "a", Metadata = new() { ["n"] = 3 } },
                new RunEvent { RunId = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow, Type = RunEventType.Log, AssetKey = "a", Level = LogLevel.Warning },
                new RunEvent { RunId = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow, Type = RunEventType.StepFailed, AssetKey = "a" },
            ],
        };

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(RunView.From(run), OrleansAssets.Cli.Output.Json));

        var root = json.RootElement;
        Assert.Equal("success", root.GetProperty("status").GetString());
        Assert.Equal("success", root.GetProperty("steps")[0].GetProperty("status").GetString());
        Assert.Equal(["materialization", "log", "stepFailed"], root.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("a", root.GetProperty("events")[0].GetProperty("assetKey").GetString());
        Assert.Equal(3, root.GetProperty("events")[0].GetProperty("metadata").GetProperty("n").GetProperty("value").GetInt64());
        Assert.Equal("warning", root.GetProperty("events")[1].GetProperty("level").GetString());
    }

    [Fact]
    public void Asset_statuses_follow_from_records()
    {
        var run = Guid.NewGuid();
        var later = Guid.NewGuid();
        var latest = new MaterializationRecord { AssetKey = "b", RunId = run, Timestamp = DateTimeOffset.UtcNow, DataVersion = "v", ConsumedUpstream = new() { ["a"] = run } };
        var failure = new FailureRecord { RunId = later, Timestamp = latest.Timestamp.AddSeconds(1), Error = new StepError { Type = "X", Message = "m" } };

        Assert.Equal(AssetStatus.Never, AssetStatusRules.Derive(null, null, false, []));
        Assert.Equal(AssetStatus.Materializing, AssetStatusRules.Derive(latest, null, true, []));
        Assert.Equal(AssetStatus.Failed, AssetStatusRules.Derive(latest, failure, false, []));
        Assert.Equal(AssetStatus.Materialized, AssetStatusRules.Derive(latest, failure with { Timestamp = latest.Timestamp.AddSeconds(-1) }, false, []));
        Assert.Equal(["a"], AssetStatusRules.StaleBecause(latest, ["a"], _ => later));
        Assert.Empty(AssetStatusRules.StaleBecause(latest, ["a"], _ => run));
        Assert.Empty(AssetStatusRules.StaleBecause(latest, ["a"], _ => null));
    }
}
