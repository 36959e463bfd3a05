using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansAssets.Assets;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Client.Views;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// The API sends a run as <see cref="RunView"/> and an asset as <see cref="AssetView"/>; the HTTP client turns them
/// back into <see cref="RunDetails"/> and <see cref="AssetDetails"/>. A field of those contracts that a view does not
/// carry would be lost over HTTP: every one must be there, and come back as it went.
/// </summary>
public sealed class ViewContractTests
{
    /// <summary>Contract fields a view names otherwise.</summary>
    private static readonly Dictionary<string, string> Renamed = new()
    {
        ["AssetState.Latest"] = "LatestMaterialization",
        ["AssetSpec.IsExternal"] = "External",
    };

    /// <summary>What a view leaves out on purpose: the client computes it, or it is the view itself.</summary>
    private static readonly HashSet<string> Computed = ["RunDetails.Run", "RunDetails.NextCursor", "AssetDetails.Spec", "AssetDetails.State"];

    [Theory]
    [InlineData(typeof(RunRecord), typeof(RunView))]
    [InlineData(typeof(RunDetails), typeof(RunView))]
    [InlineData(typeof(AssetSpec), typeof(AssetView))]
    [InlineData(typeof(AssetState), typeof(AssetView))]
    [InlineData(typeof(AssetDetails), typeof(AssetView))]
    public void A_view_carries_every_field_of_the_contract_it_shows(Type contract, Type view)
    {
        var carried = view.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet();

        var missing = contract.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => $"{contract.Name}.{p.Name}")
            .Where(name => !Computed.Contains(name) && !carried.Contains(Renamed.GetValueOrDefault(name, name.Split('.')[1])))
            .ToList();

        Assert.True(missing.Count == 0, $"{view.Name} does not carry {string.Join(", ", missing)}: add it to the view and to OrleansAssetsHttpClient's conversion");
    }

    [Fact]
    public void A_run_comes_back_from_its_json_document_as_it_went()
    {
        var runId = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var details = new RunDetails
        {
            Run = new RunRecord
            {
                RunId = runId, Status = RunStatus.Failure, Selection = "job:x", AssetKeys = ["a", "b"], Tags = new() { ["k"] = "v" },
                CreatedAt = at, StartedAt = at.AddSeconds(1), EndedAt = at.AddSeconds(2), Error = "b failed", Priority = 3,
                CancelRequestedBy = "oa (test)", Job = "x", Ops = ["notify"], Config = "{\"a\":{\"n\":1}}",
            },
            Steps = [new StepSummary { AssetKey = "a", Status = StepStatus.Success, Attempts = 1, Silo = "s", Kind = StepKind.Asset }],
            Events = [new RunEvent { Sequence = 1, RunId = runId, Timestamp = at, Type = RunEventType.Log, Message = "hi", Level = Microsoft.Extensions.Logging.LogLevel.Warning, Metadata = new() { ["n"] = MetadataValue.Int(7) } }],
            NextCursor = 1,
            QueuePosition = 2,
        };

        var view = JsonSerializer.Deserialize<RunView>(JsonSerializer.Serialize(RunView.From(details), OrleansAssetsJson.Options), OrleansAssetsJson.Options)!;
        var back = new RunDetails { Run = OrleansAssetsHttpClient.ToRecord(view), Steps = [.. view.Steps], Events = [.. view.Events], NextCursor = 1, QueuePosition = view.QueuePosition };

        Assert.Equal(JsonSerializer.Serialize(details, OrleansAssetsJson.Options), JsonSerializer.Serialize(back, OrleansAssetsJson.Options));
    }

    [Fact]
    public void An_asset_comes_back_from_its_json_document_as_it_went()
    {
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        MaterializationRecord Materialization(int i) => new()
        {
            AssetKey = "b", RunId = Guid.NewGuid(), Timestamp = at.AddMinutes(-i), DurationMs = 12.5, DataVersion = $"v{i}",
            Metadata = new() { ["rows"] = MetadataValue.Int(i), ["table"] = MetadataValue.Json("{\"x\":[1,2]}") },
            ConsumedUpstream = new() { ["a"] = Guid.NewGuid() }, CodeLocation = "loc", Attempt = 2, ValueLocation = "/tmp/b",
            CodeVersion = "v1", UpstreamCodeVersions = new() { ["a"] = "3", ["z"] = null },
        };
        var details = new AssetDetails
        {
            Spec = new AssetSpec
            {
                Key = "b", Description = "d", Group = "g", Tags = new() { ["k"] = "v" }, Owners = ["me"], Dependencies = ["a", "z"], Inputs = ["a"],
                CodeLocation = "loc", IOManager = "io", Kind = StepKind.Op, Config = [new ConfigField { Name = "n", Type = "integer", Required = true }],
                CodeVersion = "v2", Kinds = ["csv"], IsExternal = true, MultiAsset = "m", Subsettable = true,
                MaxRunTimeMs = 1500,
                Retry = new RetryPolicySpec { MaxAttempts = 3, DelayMs = 100, Exponential = true, MaxDelayMs = 1000, Jitter = 0.1, NeverRetry = ["System.ArgumentException"] },
            },
            State = new AssetState
            {
                Key = "b", Status = AssetStatus.Stale, Latest = Materialization(0), History = [Materialization(0), Materialization(1)],
                LastFailure = new FailureRecord { RunId = Guid.NewGuid(), Timestamp = at, Error = new StepError { Type = "T", Message = "m", FromUserCode = true } },
                StaleBecause = ["a"], MaterializingRun = Guid.NewGuid(),
                StaleReasons = [StaleReason.CodeVersionChanged("v1", "v2"), StaleReason.UpstreamCodeVersionChanged("a", "3", "4"), StaleReason.UpstreamMaterialized("a")],
            },
            Dependents = ["c"],
        };
        details = details with { State = details.State with { History = [details.State.Latest!, details.State.History[1]] } };

        var view = JsonSerializer.Deserialize<AssetView>(JsonSerializer.Serialize(AssetView.From(details), OrleansAssetsJson.Options), OrleansAssetsJson.Options)!;

        Assert.Equal(JsonSerializer.Serialize(details, OrleansAssetsJson.Options), JsonSerializer.Serialize(OrleansAssetsHttpClient.ToDetails(view), OrleansAssetsJson.Options));
    }
}
