using Cronos;

namespace OrleansAssets.Automation;

/// <summary>What a schedule does with one due tick: run it, or record it skipped with why.</summary>
internal sealed record TickDecision(DateTimeOffset Tick, bool Run, string? SkipReason);

/// <summary>
/// Decides, from a schedule's cursor (the newest tick it handled) and the time, which ticks are due and what each
/// does. A tick is on time while it is at most <c>misfireAfter</c> old (a silo's loss and the survivor's pick-up
/// fit in it); older ones are misfires, handled by the schedule's policy. Pure, so daylight saving and misfires are
/// tested with a controlled clock.
/// </summary>
internal static class ScheduleTicker
{
    /// <summary>Misfired ticks recorded one by one after an outage; older ones are summed up in one skipped tick.</summary>
    public const int MaxRecordedMisfires = 1000;

    public static List<TickDecision> Plan(ScheduleSpec spec, CronExpression cron, TimeZoneInfo zone, DateTimeOffset cursor, DateTimeOffset now, TimeSpan misfireAfter)
    {
        if (now <= cursor)
        {
            return [];
        }

        var (due, truncated) = ScheduleClock.Due(cron, zone, cursor, now, MaxRecordedMisfires);
        var late = now - misfireAfter;
        var onTime = due.Where(t => t >= late).ToList();
        var misfired = due.Where(t => t < late).ToList();
        var decisions = new List<TickDecision>(due.Count);
        string Missed(DateTimeOffset t) => $"missed: the cluster was not running its schedules at {ScheduleClock.Format(t)} (handled {Late(now - t)} late)";
        switch (spec.Misfire)
        {
            case Misfire.RunAll:
                var run = misfired.TakeLast(Math.Max(1, spec.MaxMisfireRuns)).ToHashSet();
                decisions.AddRange(misfired.Select(t => run.Contains(t)
                    ? new TickDecision(t, true, null)
                    : new TickDecision(t, false, $"{Missed(t)}; RunAll runs at most the newest {spec.MaxMisfireRuns} missed ticks")));
                break;
            case Misfire.Skip:
                decisions.AddRange(misfired.Select(t => new TickDecision(t, false, $"{Missed(t)}; its misfire policy is Skip")));
                break;
            default:
                var newest = onTime.Count == 0 && misfired.Count > 0 ? misfired[^1] : (DateTimeOffset?)null;
                decisions.AddRange(misfired.Select(t => t == newest
                    ? new TickDecision(t, true, null)
                    : new TickDecision(t, false, $"{Missed(t)}; RunLatest runs only the newest missed tick")));
                break;
        }

        decisions.AddRange(onTime.Select(t => new TickDecision(t, true, null)));
        if (truncated && decisions.Count > 0)
        {
            // Years of an every-second schedule are not written row by row: the oldest recorded tick says so.
            var first = decisions[0];
            decisions[0] = first with { SkipReason = first.Run ? null : $"{first.SkipReason}; older missed ticks since {ScheduleClock.Format(cursor)} are not listed" };
        }

        return decisions;
    }

    private static string Late(TimeSpan late)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return late.TotalHours >= 1
            ? string.Create(culture, $"{late.TotalHours:0.#} h")
            : late.TotalMinutes >= 1 ? string.Create(culture, $"{late.TotalMinutes:0.#} min") : string.Create(culture, $"{late.TotalSeconds:0.#} s");
    }
}
