using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace OrleansAssets.Events;

/// <inheritdoc cref="IRunEventHubGrain"/>
[Reentrant]
internal sealed class RunEventHubGrain(ILogger<RunEventHubGrain> logger) : Grain, IRunEventHubGrain
{
    private readonly ObserverManager<IRunEventObserver> _observers = new(TimeSpan.FromMinutes(2), logger);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A hub that lost its subscribers would wait for their renewal anyway; it need not outlive them.
        DelayDeactivation(TimeSpan.FromMinutes(5));
        return Task.CompletedTask;
    }

    public Task Publish(List<Runs.RunEvent> events)
    {
        _observers.Notify(o => o.OnEvents(events));
        return Task.CompletedTask;
    }

    public Task Subscribe(IRunEventObserver observer)
    {
        _observers.Subscribe(observer, observer);
        DelayDeactivation(TimeSpan.FromMinutes(5));
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IRunEventObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<bool> HasSubscribers()
    {
        _observers.ClearExpired();
        return Task.FromResult(_observers.Count > 0);
    }
}
