using Microsoft.Extensions.Logging;

namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// A code location compiled into the tests, for run behaviour: a failing middle asset, an asset whose failure
/// can be switched on, and a slow asset for concurrent runs.
/// </summary>
public sealed class RunBehaviourLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<BranchingAssets>()
        .AddAssets<SwitchableAssets>()
        .AddAssets<CustomStorageAssets>()
        .AddAssets<GatedAssets>()
        .AddIOManager<UpperCaseIOManager>("upper");
}

/// <summary>An IO manager of the user's own: keeps strings in memory, upper-cased, to show it was used both ways.</summary>
public sealed class UpperCaseIOManager : IIOManager
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, Guid), string> Stored = new();

    public ValueTask<StoredValue> StoreAsync(OutputContext context, object value, CancellationToken cancellationToken)
    {
        Stored[(context.AssetKey, context.RunId)] = ((string)value).ToUpperInvariant();
        return ValueTask.FromResult(new StoredValue($"memory://{context.AssetKey}/{context.RunId}", "v1", 0));
    }

    public ValueTask<object?> LoadAsync(InputContext context, Type valueType, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object?>(Stored[(context.UpstreamKey, context.ProducedByRun)]);
}

public sealed class CustomStorageAssets
{
    [Asset(Group = "custom", IOManager = "upper")]
    public static string Shouted() => "hello";

    [Asset(Group = "custom")]
    public static MaterializeResult Heard(string shouted) => new() { Metadata = { ["heard"] = shouted } };
}

/// <summary>
/// <c>source -> broken -> after_broken</c> and <c>source -> healthy</c>: a failure in <c>broken</c> must skip only
/// <c>after_broken</c>.
/// </summary>
public sealed class BranchingAssets
{
    [Asset(Group = "branching")]
    public static int Source(AssetContext context)
    {
        context.Log.LogInformation("source ran");
        return 41;
    }

    [Asset(Group = "branching")]
    public static int Broken(int source) => throw new InvalidOperationException($"broken cannot handle {source}");

    [Asset(Group = "branching")]
    public static int AfterBroken(int broken) => broken + 1;

    [Asset(Group = "branching")]
    public static MaterializeResult Healthy(int source) => new() { Metadata = { ["answer"] = source + 1 } };
}

/// <summary>An asset that fails while <see cref="Fail"/> is set, and a slow one for concurrent runs.</summary>
public sealed class SwitchableAssets
{
    public static volatile bool Fail;

    [Asset(Group = "switchable")]
    public static async Task<Output<Dictionary<string, long>>> Switchable(AssetContext context)
    {
        await Task.Yield();
        if (Fail)
        {
            throw new InvalidDataException("switched to fail");
        }

        return new Output<Dictionary<string, long>>(new() { ["attempt"] = context.Attempt }) { Metadata = { ["ok"] = true } };
    }

    [Asset(Group = "switchable")]
    public static async Task<Output<string>> Slow(AssetContext context)
    {
        await Task.Delay(50, context.CancellationToken);
        return new Output<string>($"written by {context.RunId}") { Metadata = { ["run"] = context.RunId.ToString() } };
    }
}

/// <summary>
/// Assets that wait for the test: <c>gated</c> until <see cref="Open"/> or its cancellation token fires;
/// <c>stubborn</c> until <see cref="Open"/>, ignoring its token (for the cancel grace period).
/// </summary>
public sealed class GatedAssets
{
    private static TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Close() => _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Open() => _gate.TrySetResult();

    [Asset(Group = "gated")]
    public static async Task<MaterializeResult> Gated(AssetContext context)
    {
        await _gate.Task.WaitAsync(context.CancellationToken);
        return new MaterializeResult { Metadata = { ["run"] = context.RunId.ToString() } };
    }

    [Asset(Group = "gated")]
    public static MaterializeResult Stubborn(AssetContext context)
    {
        while (!_gate.Task.IsCompleted)
        {
            Thread.Sleep(20);
        }

        return new MaterializeResult { Metadata = { ["run"] = context.RunId.ToString() } };
    }
}
