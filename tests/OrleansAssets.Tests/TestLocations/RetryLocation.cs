using System.Collections.Concurrent;

namespace OrleansAssets.Tests.TestLocations;

/// <summary>Assets that fail on purpose, each under a retry policy of its own or the location's default.</summary>
public sealed class RetryLocation : ICodeLocation
{
    /// <summary>Attempts each asset's code made, by asset and run.</summary>
    public static readonly ConcurrentDictionary<(string Asset, Guid Run), int> Calls = new();

    public static int CallsOf(string asset, Guid run) => Calls.GetValueOrDefault((asset, run));

    public void Configure(ICodeLocationBuilder builder) => builder
        .AddAssets<RetryAssets>()
        .AddAssets<ReexecutionAssets>()
        .UseRetryPolicy(new RetryPolicy { MaxAttempts = 2, Delay = TimeSpan.FromMilliseconds(20), Backoff = RetryBackoff.Fixed })
        .AddAsset(new AssetSpecification("fails_once_by_default") { Group = "retry" }, context =>
        {
            var call = Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
            return call == 1 ? throw new TimeoutException("the warehouse did not answer") : ValueTask.FromResult(new MaterializeResult());
        })
        .AddAsset(new AssetSpecification("never_retried_by_spec") { Group = "retry", RetryPolicy = RetryPolicy.None }, context =>
        {
            Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
            throw new TimeoutException("no retry for me");
        });
}

/// <summary>A chain whose middle fails while <see cref="FailMiddle"/> is set: re-execution from failure runs it and what follows.</summary>
public sealed class ReexecutionAssets
{
    public static volatile bool FailMiddle = true;

    private static int _sourceValue;

    [Asset(Group = "reexec")]
    public static Output<int> ReexecSource(AssetContext context)
    {
        var value = Interlocked.Increment(ref _sourceValue);
        RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        return new Output<int>(value) { Metadata = { ["value"] = MetadataValue.Int(value) } };
    }

    [Asset(Group = "reexec")]
    public static Output<int> ReexecMiddle(AssetContext context, int reexecSource)
    {
        RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        return FailMiddle
            ? throw new InvalidOperationException("the middle is broken")
            : new Output<int>(reexecSource * 10) { Metadata = { ["from_source"] = MetadataValue.Int(reexecSource) } };
    }

    [Asset(Group = "reexec")]
    [RetryPolicy(MaxAttempts = 1)]
    public static MaterializeResult ReexecSink(int reexecMiddle) => new() { Metadata = { ["from_middle"] = MetadataValue.Int(reexecMiddle) } };
}

public sealed class RetryAssets
{
    /// <summary>Fails twice, then succeeds.</summary>
    [Asset(Group = "retry")]
    [RetryPolicy(MaxAttempts = 3, DelaySeconds = 0.05, Backoff = RetryBackoff.Exponential)]
    public static MaterializeResult Flaky(AssetContext context)
    {
        var call = RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        return call <= 2
            ? throw new HttpRequestException($"the upstream API answered 503 (call {call})")
            : new MaterializeResult { Metadata = { ["calls"] = MetadataValue.Int(call), ["attempt"] = MetadataValue.Int(context.Attempt) } };
    }

    /// <summary>A bad argument does not get better by waiting: never retried, though the policy allows five attempts.</summary>
    [Asset(Group = "retry")]
    [RetryPolicy(MaxAttempts = 5, DelaySeconds = 0.01, NeverRetry = [typeof(ArgumentException)])]
    public static MaterializeResult BadArgument(AssetContext context)
    {
        RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        throw new ArgumentOutOfRangeException(nameof(context), "the date is in the future");
    }

    /// <summary>Hangs until its token fires: its maximum run time ends it.</summary>
    [Asset(Group = "timeouts", MaxRunTimeSeconds = 0.2)]
    public static async Task<MaterializeResult> Hangs(AssetContext context)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        return new MaterializeResult();
    }

    /// <summary>Ignores its token: abandoned once the grace period after its timeout is over.</summary>
    [Asset(Group = "timeouts", MaxRunTimeSeconds = 0.2)]
    public static MaterializeResult IgnoresItsToken()
    {
        Thread.Sleep(TimeSpan.FromSeconds(3));
        return new MaterializeResult();
    }

    /// <summary>Fails once, then waits an hour (of the silo's clock) for its retry.</summary>
    [Asset(Group = "clock")]
    [RetryPolicy(MaxAttempts = 2, DelaySeconds = 3600, MaxDelaySeconds = 7200, Backoff = RetryBackoff.Fixed)]
    public static MaterializeResult RetriesInAnHour(AssetContext context)
    {
        var call = RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        return call == 1 ? throw new TimeoutException("not yet") : new MaterializeResult();
    }

    /// <summary>Would run for ever; its maximum run time is an hour of the silo's clock.</summary>
    [Asset(Group = "clock", MaxRunTimeSeconds = 3600)]
    [RetryPolicy(MaxAttempts = 1)]
    public static async Task<MaterializeResult> TimesOutInAnHour(AssetContext context)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        return new MaterializeResult();
    }

    /// <summary>Always fails: its two attempts are used up.</summary>
    [Asset(Group = "retry")]
    [RetryPolicy(MaxAttempts = 2, DelaySeconds = 0.01, Backoff = RetryBackoff.Fixed)]
    public static MaterializeResult AlwaysFails(AssetContext context)
    {
        RetryLocation.Calls.AddOrUpdate((context.AssetKey, context.RunId), 1, (_, n) => n + 1);
        throw new InvalidOperationException("still broken");
    }
}
