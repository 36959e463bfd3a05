using System.Collections.Concurrent;

namespace OrleansAssets.Postgres.Tests;

[Alias("oa.tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task Start(TimeSpan period);

    [Alias("Stop")]
    Task Stop();
}

/// <summary>A grain whose reminder notes where and when it fired, to see reminders outlive the silo that registered them.</summary>
public sealed class ReminderProbeGrain(ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable
{
    public static readonly ConcurrentQueue<(string Grain, SiloAddress Silo, DateTime At)> Ticks = new();

    public async Task Start(TimeSpan period) => await this.RegisterOrUpdateReminder("probe", TimeSpan.FromSeconds(1), period);

    public async Task Stop()
    {
        if (await this.GetReminder("probe") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.Enqueue((this.GetPrimaryKeyString(), silo.SiloAddress, DateTime.UtcNow));
        return Task.CompletedTask;
    }
}
