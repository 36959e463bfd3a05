namespace OrleansAssets;

/// <summary>How the wait between retries grows.</summary>
public enum RetryBackoff
{
    /// <summary>The same delay before every retry.</summary>
    Fixed,

    /// <summary>The delay doubles with each retry (1 s, 2 s, 4 s...), up to <see cref="RetryPolicy.MaxDelay"/>.</summary>
    Exponential,
}

/// <summary>
/// When a step whose code threw is tried again, as Dagster's <c>RetryPolicy</c> and Temporal's retry policies: up to
/// <see cref="MaxAttempts"/> attempts, with a delay that is fixed or grows, spread by jitter, and never for the
/// exception types in <see cref="NeverRetry"/> (a bad argument will not get better by waiting).
/// </summary>
/// <remarks>
/// Attempts lost with a silo are retried apart from these, within the silo's own limit: they say nothing about the code.
/// </remarks>
public sealed record RetryPolicy
{
    /// <summary>No retry: the first failure of the code fails the step.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Attempts in all, the first one included (at least 1).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait before the first retry.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    public RetryBackoff Backoff { get; init; } = RetryBackoff.Exponential;

    /// <summary>The longest wait, whatever the backoff gives.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A fraction (0 to 1) of each wait added or taken at random, so steps that failed together (an upstream API
    /// that went down) do not all come back at the same instant.
    /// </summary>
    public double Jitter { get; init; }

    /// <summary>Exception types (and types derived from them) that fail the step at once.</summary>
    public IReadOnlyList<Type> NeverRetry { get; init; } = [];
}

/// <summary>
/// The retry policy of an <see cref="AssetAttribute"/> or <see cref="OpAttribute"/> method (see <see cref="RetryPolicy"/>);
/// without it the code location's default applies (<see cref="ICodeLocationBuilder.UseRetryPolicy"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RetryPolicyAttribute : Attribute
{
    /// <summary>Attempts in all, the first one included.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the first retry, in seconds.</summary>
    public double DelaySeconds { get; set; } = 1;

    public RetryBackoff Backoff { get; set; } = RetryBackoff.Exponential;

    /// <summary>The longest wait, in seconds.</summary>
    public double MaxDelaySeconds { get; set; } = 300;

    /// <summary>A fraction (0 to 1) of each wait added or taken at random.</summary>
    public double Jitter { get; set; }

    /// <summary>Exception types (and derived ones) that are never retried.</summary>
    public Type[] NeverRetry { get; set; } = [];

    public RetryPolicy ToPolicy() => new()
    {
        MaxAttempts = MaxAttempts,
        Delay = TimeSpan.FromSeconds(DelaySeconds),
        Backoff = Backoff,
        MaxDelay = TimeSpan.FromSeconds(MaxDelaySeconds),
        Jitter = Jitter,
        NeverRetry = NeverRetry,
    };
}
