namespace OrleansAssets.Tests.TestLocations;

/// <summary>
/// One asset that waits on a gate of its own, so a test can hold the queue's only slot while it looks at what waits
/// behind it. Its own gate, not <see cref="GatedAssets"/>'s: the tests that open and close that one run in parallel.
/// </summary>
public sealed class HeldLocation : ICodeLocation
{
    public void Configure(ICodeLocationBuilder builder) => builder.AddAssets<HeldAssets>();
}

public sealed class HeldAssets
{
    // Open until a test closes it.
    private static TaskCompletionSource _gate = Opened();

    public static void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Open() => _gate.TrySetResult();

    [Asset(Group = "held")]
    public static async Task<MaterializeResult> Held(AssetContext context)
    {
        await _gate.Task.WaitAsync(context.CancellationToken);
        return new MaterializeResult();
    }

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.TrySetResult();
        return gate;
    }
}
