using Orleans.Placement;
using OrleansAssets.CodeLocations;
using OrleansAssets.Hosting;

namespace OrleansAssets.Execution;

/// <summary>
/// The cluster's address of one attempt of one step, placed only on a silo that loads the step's code location.
/// The attempt itself runs in the silo's <see cref="LocalAttempts"/>, so it outlives this activation: Orleans may
/// deactivate an activation whose directory entry lived on a silo that stops, and the running code must carry on.
/// </summary>
/// <remarks>
/// Among the silos that load the code location, the one with fewer activations (each attempt is one) takes the
/// attempt: Orleans' default placement weighs CPU and memory and, seen here, sent every step of five concurrent
/// runs to the silo that had just started.
/// </remarks>
[CodeLocationPlacementFilter]
[ActivationCountBasedPlacement]
internal sealed class StepExecutorGrain(LocalAttempts attempts, GracefulShutdown shutdown, ILocalSiloDetails silo) : Grain, IStepExecutorGrain
{
    private string ExecutorKey => this.GetPrimaryKeyString();

    public Task<AttemptStarted> Start(StepExecutionRequest request)
    {
        if (attempts.Find(ExecutorKey) is null)
        {
            if (shutdown.IsStopping)
            {
                DeactivateOnIdle();
                throw new SiloStoppingException($"Silo {silo.SiloAddress} is stopping and starts no new step; '{request.Spec.Key}' goes to another silo.");
            }

            attempts.Start(ExecutorKey, request);
        }

        // Followed through this activation while the attempt runs; it may go sooner (see above), the attempt stays.
        DelayDeactivation(TimeSpan.FromDays(1));
        return Task.FromResult(new AttemptStarted { Silo = attempts.Silo });
    }

    public Task<AttemptStarted?> Find()
    {
        if (attempts.Find(ExecutorKey) is not null)
        {
            return Task.FromResult<AttemptStarted?>(new AttemptStarted { Silo = attempts.Silo });
        }

        // Activated just to answer: the attempt does not run here.
        DeactivateOnIdle();
        return Task.FromResult<AttemptStarted?>(null);
    }

    public Task Cancel()
    {
        attempts.Find(ExecutorKey)?.Cancel();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Another activation of this key may come up elsewhere and be asked whether the attempt runs: the attempt's
        // own record must say so by then.
        if (attempts.Find(ExecutorKey) is { } running)
        {
            await running.Log.StoreStartAsync(cancellationToken);
        }
    }
}
