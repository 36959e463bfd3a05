using OrleansAssets.Graph;
using OrleansAssets.Storage;

namespace OrleansAssets.Automation;

/// <summary>Builds what lists show of a schedule or sensor, the same from its grain and from the query grain.</summary>
internal static class AutomationInfos
{
    public const int NextTicksShown = 5;

    public static AutomationInfo Of(ScheduleSpec spec, AutomationStatus status, string? cursor, TickRecord? lastTick, DateTimeOffset now) => new()
    {
        Name = spec.Name,
        Status = status,
        CodeLocation = spec.CodeLocation,
        Job = spec.Job,
        Selection = spec.Selection,
        Description = spec.Description,
        Cron = spec.Cron,
        TimeZone = spec.TimeZone,
        NextTicks = ScheduleClock.Next(ScheduleClock.ParseCron(spec.Cron), ScheduleClock.FindZone(spec.TimeZone), now, NextTicksShown),
        LastTick = lastTick,
        Cursor = cursor,
    };

    public static AutomationInfo Of(SensorSpec spec, AutomationStatus status, string? cursor, TickRecord? lastTick) => new()
    {
        Name = spec.Name,
        Status = status,
        CodeLocation = spec.CodeLocation,
        Job = spec.Job,
        Selection = spec.Selection,
        Description = spec.Description,
        SensorKind = spec.Kind,
        Interval = spec.Kind == SensorKind.Function ? spec.Interval : null,
        Assets = [.. spec.Assets],
        LastTick = lastTick,
        Cursor = cursor,
    };

    /// <summary>A tick as the grain that wrote it keeps it, without reading it back from the store.</summary>
    public static TickRecord Recorded(TickWrite tick, DateTimeOffset recordedAt) => new()
    {
        Name = tick.Name,
        At = tick.At,
        Status = tick.Status,
        RunIds = [.. tick.RunIds],
        Message = tick.Message,
        Cursor = tick.Cursor,
        RecordedAt = recordedAt,
    };

    public static async Task<string> UnknownAsync(AssetGraphCache graphs, string what, string name)
    {
        var graph = await graphs.GetAsync();
        var known = what == "schedule" ? graph.Schedules.Keys : graph.Sensors.Keys;
        return $"Unknown {what} {UserText.Quote(name)}{(known.Count() == 0 ? $"; the cluster has no {what}s" : $"; {what}s: {string.Join(", ", known.Order(StringComparer.Ordinal).Take(20))}")}.";
    }
}
