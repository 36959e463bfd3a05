using System.Reflection;
using OrleansAssets.Assets;

namespace OrleansAssets.CodeLocations;

/// <summary>Turns the retry policies user code declares into the specs the cluster keeps, refusing ones that cannot work.</summary>
internal static class RetryPolicies
{
    /// <summary>The method's <see cref="RetryPolicyAttribute"/>, if it has one.</summary>
    public static RetryPolicy? Of(MethodInfo method) => method.GetCustomAttribute<RetryPolicyAttribute>()?.ToPolicy();

    /// <summary>As <see cref="ToSpec(RetryPolicy?, string)"/>, with a problem added to <paramref name="problems"/> instead of thrown, so it is named with every other one.</summary>
    public static RetryPolicySpec? ToSpec(RetryPolicy? policy, string describe, List<string> problems)
    {
        if (policy is null)
        {
            return null;
        }

        var found = ProblemsOf(policy);
        if (found.Count > 0)
        {
            problems.Add($"the retry policy of {describe} cannot work: {string.Join("; ", found)}");
            return null;
        }

        return SpecOf(policy);
    }

    /// <exception cref="AssetGraphException">The policy cannot work: names the step and the setting.</exception>
    public static RetryPolicySpec? ToSpec(RetryPolicy? policy, string describe)
    {
        var problems = new List<string>();
        var spec = ToSpec(policy, describe, problems);
        return problems.Count > 0 ? throw new AssetGraphException($"Invalid asset graph: {problems[0]}.") : spec;
    }

    /// <summary>Each setting of <paramref name="policy"/> that cannot work, in words.</summary>
    private static List<string> ProblemsOf(RetryPolicy policy)
    {
        var problems = new List<string>();
        if (policy.MaxAttempts < 1)
        {
            problems.Add($"MaxAttempts is {policy.MaxAttempts}; it counts the first attempt, so it is at least 1");
        }

        if (policy.Delay < TimeSpan.Zero || policy.MaxDelay < TimeSpan.Zero)
        {
            problems.Add("a delay is negative");
        }

        if (policy.Jitter is < 0 or > 1 || double.IsNaN(policy.Jitter))
        {
            problems.Add($"Jitter is {policy.Jitter}; it is a fraction of the delay, from 0 to 1");
        }

        foreach (var type in policy.NeverRetry.Where(t => !typeof(Exception).IsAssignableFrom(t)))
        {
            problems.Add($"NeverRetry names {type.FullName}, which is not an exception type");
        }

        return problems;
    }

    private static RetryPolicySpec SpecOf(RetryPolicy policy) => new()
    {
        MaxAttempts = policy.MaxAttempts,
        DelayMs = policy.Delay.TotalMilliseconds,
        Exponential = policy.Backoff == RetryBackoff.Exponential,
        MaxDelayMs = policy.MaxDelay.TotalMilliseconds,
        Jitter = policy.Jitter,
        NeverRetry = [.. policy.NeverRetry.Select(t => t.FullName!).Distinct(StringComparer.Ordinal)],
    };

    /// <summary>True when <paramref name="error"/>'s type is one the policy never retries, or derives from one.</summary>
    public static bool NeverRetries(this RetryPolicySpec policy, Exception error)
    {
        for (var type = error.GetType(); type is not null; type = type.BaseType)
        {
            if (policy.NeverRetry.Contains(type.FullName ?? type.Name, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Same(RetryPolicySpec? a, RetryPolicySpec? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && (a with { NeverRetry = b.NeverRetry }) == b && a.NeverRetry.SequenceEqual(b.NeverRetry));
}
