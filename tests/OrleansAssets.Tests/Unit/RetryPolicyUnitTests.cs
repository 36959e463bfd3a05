using OrleansAssets.Assets;
using OrleansAssets.CodeLocations;

namespace OrleansAssets.Tests.Unit;

public sealed class RetryPolicyUnitTests
{
    private static RetryPolicySpec Spec(RetryPolicy policy) => RetryPolicies.ToSpec(policy, "asset 'x'")!;

    [Fact]
    public void Exponential_backoff_doubles_from_the_delay_up_to_the_max_and_fixed_stays()
    {
        var exponential = Spec(new RetryPolicy { MaxAttempts = 10, Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) });
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => exponential.DelayAfter(n).TotalSeconds));
        var fixedDelay = Spec(new RetryPolicy { Delay = TimeSpan.FromMilliseconds(300), Backoff = RetryBackoff.Fixed });
        Assert.Equal([300, 300, 300], Enumerable.Range(1, 3).Select(n => fixedDelay.DelayAfter(n).TotalMilliseconds));
    }

    [Theory]
    [InlineData(0.0, 750)]
    [InlineData(0.5, 1000)]
    [InlineData(0.999999, 1250)]
    public void Jitter_spreads_each_wait_by_its_fraction_either_way(double random, double expectedMs)
    {
        var policy = Spec(new RetryPolicy { Delay = TimeSpan.FromSeconds(1), Jitter = 0.25 });
        Assert.Equal(expectedMs, policy.DelayAfter(1, random).TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void Never_retry_covers_the_type_and_the_types_derived_from_it()
    {
        var policy = Spec(new RetryPolicy { NeverRetry = [typeof(ArgumentException)] });
        Assert.True(policy.NeverRetries(new ArgumentOutOfRangeException()));
        Assert.True(policy.NeverRetries(new ArgumentException()));
        Assert.False(policy.NeverRetries(new InvalidOperationException()));
    }

    [Fact]
    public void A_policy_that_cannot_work_is_refused_naming_the_step_and_each_setting()
    {
        var error = Assert.Throws<AssetGraphException>(() => RetryPolicies.ToSpec(new RetryPolicy { MaxAttempts = 0, Jitter = 2, NeverRetry = [typeof(string)] }, "asset 'x' (A.X)"));
        Assert.Contains("the retry policy of asset 'x' (A.X) cannot work", error.Message);
        Assert.Contains("MaxAttempts is 0", error.Message);
        Assert.Contains("Jitter is 2", error.Message);
        Assert.Contains("NeverRetry names System.String, which is not an exception type", error.Message);
    }
}
