namespace OrleansAssets.Assets;

/// <summary>An asset's definition as the cluster knows it: no code, just what it is and what it depends on.</summary>
[GenerateSerializer, Alias("oa.AssetSpec")]
public sealed record AssetSpec
{
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public string? Description { get; init; }

    [Id(2)] public string Group { get; init; } = "default";

    [Id(3)] public Dictionary<string, string> Tags { get; init; } = [];

    [Id(4)] public List<string> Owners { get; init; } = [];

    /// <summary>Every upstream key: those whose values it receives and those it only runs after.</summary>
    [Id(5)] public List<string> Dependencies { get; init; } = [];

    /// <summary>The upstream keys whose values it receives as parameters (a subset of <see cref="Dependencies"/>).</summary>
    [Id(6)] public List<string> Inputs { get; init; } = [];

    [Id(7)] public required string CodeLocation { get; init; }

    [Id(8)] public string? IOManager { get; init; }

    /// <summary>An asset, or an op (a step of a job that materializes nothing and is not in the lineage).</summary>
    [Id(9)] public StepKind Kind { get; init; }

    /// <summary>The fields of the step's run config, when it takes one: what a submitted run's config is checked against.</summary>
    [Id(10)] public List<ConfigField> Config { get; init; } = [];

    /// <summary>What the asset is made of or stored as (Dagster's kinds: <c>csv</c>, <c>dataframe</c>...), selectable with <c>kind:name</c>.</summary>
    [Id(11)] public List<string> Kinds { get; init; } = [];

    /// <summary>The version of the code that computes the asset, as the code location declares it; null when it declares none.</summary>
    [Id(12)] public string? CodeVersion { get; init; }

    /// <summary>
    /// Produced outside OrleansAssets (another system, a partner's file): declared so it shows in the lineage and its
    /// downstream can depend on it; its materializations are reported, and no run ever materializes it.
    /// </summary>
    [Id(13)] public bool IsExternal { get; init; }

    /// <summary>The multi-asset whose one step materializes this asset with its siblings; null for an asset of its own.</summary>
    [Id(14)] public string? MultiAsset { get; init; }

    /// <summary>Of a multi-asset's output: the multi-asset can run for some of its outputs only (it is told which).</summary>
    [Id(15)] public bool Subsettable { get; init; }

    /// <summary>When a failure of its code is tried again; null: never (the code location declares no default).</summary>
    [Id(16)] public RetryPolicySpec? Retry { get; init; }

    /// <summary>The longest its code may run, as it declares it; null: the silo's step timeout.</summary>
    [Id(17)] public double? MaxRunTimeMs { get; init; }
}

/// <summary>A step's retry policy as the cluster keeps it: exception types by full name, so no silo needs the user's types to read it.</summary>
[GenerateSerializer, Alias("oa.RetryPolicySpec")]
public sealed record RetryPolicySpec
{
    /// <summary>Attempts in all, the first one included.</summary>
    [Id(0)] public int MaxAttempts { get; init; } = 1;

    [Id(1)] public double DelayMs { get; init; }

    /// <summary>True: each retry waits twice as long as the one before.</summary>
    [Id(2)] public bool Exponential { get; init; }

    [Id(3)] public double MaxDelayMs { get; init; }

    /// <summary>A fraction (0 to 1) of each wait added or taken at random.</summary>
    [Id(4)] public double Jitter { get; init; }

    /// <summary>Full names of exception types that are never retried (derived types included).</summary>
    [Id(5)] public List<string> NeverRetry { get; init; } = [];

    /// <summary>The wait before the retry that follows failed attempt <paramref name="failures"/> (1 for the first failure), before jitter.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var delay = Exponential ? DelayMs * Math.Pow(2, Math.Max(0, failures - 1)) : DelayMs;
        return TimeSpan.FromMilliseconds(Math.Max(0, MaxDelayMs > 0 ? Math.Min(delay, MaxDelayMs) : delay));
    }

    /// <summary>The wait after <paramref name="failures"/> failures spread by <see cref="Jitter"/>; <paramref name="random"/> is a number in [0, 1).</summary>
    public TimeSpan DelayAfter(int failures, double random)
    {
        var delay = DelayAfter(failures).TotalMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Max(0, delay + (delay * Math.Clamp(Jitter, 0, 1) * ((random * 2) - 1))));
    }
}

[GenerateSerializer, Alias("oa.StepKind")]
public enum StepKind
{
    Asset,
    Op,
}

/// <summary>One field of a step's run config, as the run config names it (snake_case).</summary>
[GenerateSerializer, Alias("oa.ConfigField")]
public sealed record ConfigField
{
    [Id(0)] public required string Name { get; init; }

    /// <summary>The JSON type: string, integer, number, boolean, array or object.</summary>
    [Id(1)] public required string Type { get; init; }

    [Id(2)] public bool Required { get; init; }
}

/// <summary>Where an asset stands: never materialized, being materialized, materialized, failed, or stale (an upstream changed since).</summary>
[GenerateSerializer, Alias("oa.AssetStatus")]
public enum AssetStatus
{
    Never,
    Materializing,
    Materialized,
    Failed,
    Stale,
}
