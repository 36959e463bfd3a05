using System.Globalization;
using Cronos;

namespace OrleansAssets.Automation;

/// <summary>
/// A schedule's ticks, by Cronos: 5 fields, or 6 with seconds first, or a macro (<c>@daily</c>); an IANA zone.
/// Shared by the schedule grains and the CLI, so <c>oa schedule preview --cron</c> without a cluster prints the very
/// ticks a schedule will run.
/// </summary>
public static class ScheduleClock
{
    /// <summary>How a tick is written: in its schedule's zone, with the offset (<c>2026-01-01T00:00:00+09:00</c>).</summary>
    public const string TickFormat = "yyyy-MM-ddTHH:mm:sszzz";

    public static CronExpression ParseCron(string? cron)
    {
        var text = cron?.Trim() ?? "";
        if (text.Length == 0)
        {
            throw new ScheduleException("Invalid cron expression: it is empty; give 5 fields (minute hour day month weekday), 6 with seconds first, or a macro such as @daily.");
        }

        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (!text.StartsWith('@') && fields.Length is not (5 or 6))
        {
            throw new ScheduleException($"Invalid cron expression {UserText.Quote(text)}: it has {fields.Length} field{(fields.Length == 1 ? "" : "s")}; give 5 (minute hour day month weekday) or 6 with seconds first.");
        }

        // Cronos reads a macro in either format; @every_second only with seconds.
        var format = fields.Length == 6 || text.Equals("@every_second", StringComparison.OrdinalIgnoreCase) ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return CronExpression.Parse(text, format);
        }
        catch (CronFormatException e)
        {
            throw new ScheduleException($"Invalid cron expression {UserText.Quote(text)}: {e.Message.TrimEnd('.')}.", e);
        }
    }

    public static TimeZoneInfo FindZone(string? zone)
    {
        var name = string.IsNullOrWhiteSpace(zone) ? "UTC" : zone.Trim();
        if (TimeZoneInfo.TryFindSystemTimeZoneById(name, out var found))
        {
            return found;
        }

        throw new ScheduleException($"Unknown time zone {UserText.Quote(name)}: give an IANA name such as UTC, Europe/Paris or Asia/Tokyo.");
    }

    /// <summary>The next <paramref name="count"/> ticks at or after <paramref name="from"/>, each in the zone's offset.</summary>
    public static List<DateTimeOffset> Next(CronExpression cron, TimeZoneInfo zone, DateTimeOffset from, int count)
    {
        var ticks = new List<DateTimeOffset>(Math.Max(0, count));
        var inclusive = true;
        var at = from;
        while (ticks.Count < count && cron.GetNextOccurrence(at, zone, inclusive) is { } next)
        {
            ticks.Add(next);
            at = next;
            inclusive = false;
        }

        return ticks;
    }

    /// <summary>
    /// The ticks after <paramref name="afterExclusive"/> up to and including <paramref name="toInclusive"/>, at most
    /// <paramref name="max"/> of the newest (a schedule waking after a long outage must not enumerate years of ticks).
    /// </summary>
    public static (List<DateTimeOffset> Ticks, bool Truncated) Due(CronExpression cron, TimeZoneInfo zone, DateTimeOffset afterExclusive, DateTimeOffset toInclusive, int max)
    {
        var window = new Queue<DateTimeOffset>();
        var truncated = false;
        foreach (var tick in cron.GetOccurrences(afterExclusive, toInclusive, zone, fromInclusive: false, toInclusive: true))
        {
            window.Enqueue(tick);
            if (window.Count > max)
            {
                window.Dequeue();
                truncated = true;
            }
        }

        return ([.. window], truncated);
    }

    public static string Format(DateTimeOffset tick) => tick.ToString(TickFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads <c>--from</c>: an ISO 8601 instant; one without an offset is read in the schedule's zone.</summary>
    public static DateTimeOffset ParseInstant(string text, TimeZoneInfo zone)
    {
        var value = text.Trim();
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var withOffset)
            && HasOffset(value))
        {
            return withOffset;
        }

        if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        throw new ScheduleException($"Invalid instant {UserText.Quote(value)}: give ISO 8601, such as 2026-01-01T00:00:00+09:00.");
    }

    private static bool HasOffset(string value) =>
        value.EndsWith('Z') || value.EndsWith('z') || (value.Length > 6 && (value[^6] is '+' or '-') && value[^3] == ':');
}
