using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using OrleansAssets.Hosting;
using OrleansAssets.Runs;
using OrleansAssets.Tests.TestLocations;

namespace OrleansAssets.Tests.Cluster;

/// <summary>The retry location on a silo whose clock the test moves: an hour's backoff or timeout passes in no time.</summary>
public sealed class ControlledClockFixture : ClusterFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureCodeLocations(OrleansAssetsOptions options) => options.AddCodeLocation<RetryLocation>("retry");

    protected override ISiloBuilder ConfigureSilo(ISiloBuilder silo)
    {
        silo.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
        return silo;
    }
}

public sealed class ControlledClockTests(ControlledClockFixture fixture) : IClassFixture<ControlledClockFixture>
{
    private async Task<RunDetails> WaitForAsync(Guid runId, Func<RunDetails, bool> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            var details = await fixture.Client.GetRunAsync(runId);
            if (condition(details))
            {
                return details;
            }

            // The run grain's own short waits between asks are on the same clock: move it on a little, as time would.
            fixture.Clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(20);
        }

        throw new TimeoutException($"run {runId} never reached the expected state");
    }

    [Fact]
    public async Task A_retry_waits_its_backoff_on_the_silo_s_clock()
    {
        var run = await fixture.Client.MaterializeAsync("retries_in_an_hour");
        var waiting = await WaitForAsync(run.RunId, d => d.Events.Any(e => e.Type == RunEventType.StepFailed && e.WillRetry));
        Assert.Contains("trying again in 60.0 min", waiting.Events.Single(e => e.Type == RunEventType.StepFailed).Message);

        // However long real time runs, the retry waits for the clock's hour.
        await Task.Delay(300);
        Assert.Equal(1, RetryLocation.CallsOf("retries_in_an_hour", run.RunId));
        Assert.Equal(RunStatus.Started, (await fixture.Client.GetRunAsync(run.RunId)).Run.Status);

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var done = await WaitForAsync(run.RunId, d => d.Run.Status is RunStatus.Success or RunStatus.Failure);
        Assert.Equal(RunStatus.Success, done.Run.Status);
        Assert.Equal(2, RetryLocation.CallsOf("retries_in_an_hour", run.RunId));
    }

    [Fact]
    public async Task A_step_times_out_when_the_silo_s_clock_passes_its_maximum_run_time()
    {
        var run = await fixture.Client.MaterializeAsync("times_out_in_an_hour");
        await WaitForAsync(run.RunId, d => d.Steps.Any(s => s.Status == StepStatus.Running));

        fixture.Clock.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(200);
        Assert.Equal(RunStatus.Started, (await fixture.Client.GetRunAsync(run.RunId)).Run.Status);

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var done = await WaitForAsync(run.RunId, d => d.Run.Status is RunStatus.Success or RunStatus.Failure);
        Assert.Equal(RunStatus.Failure, done.Run.Status);
        Assert.Equal("OrleansAssets.StepTimedOut", done.Steps.Single().Error!.Type);
    }
}
