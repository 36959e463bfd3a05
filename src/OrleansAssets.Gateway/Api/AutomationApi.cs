using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Automation;
using OrleansAssets.Client;

namespace OrleansAssets.Gateway.Api;

/// <summary>
/// Schedules and sensors: list and show them, start and stop them (persisted), their tick history, a schedule's
/// next ticks; and the next ticks of any cron expression, for a form that checks one as it is typed.
/// </summary>
internal static class AutomationApi
{
    public const int MaxPreview = 1000;

    public static RouteGroupBuilder MapAutomationApi(this RouteGroupBuilder api)
    {
        Map(api, AutomationKind.Schedule, "schedules", "schedule", "Schedule");
        Map(api, AutomationKind.Sensor, "sensors", "sensor", "Sensor");
        api.MapGet("/schedules/{name}/preview", PreviewSchedule)
            .WithName("previewSchedule").WithTags("Automation")
            .WithSummary("A schedule's next ticks")
            .WithDescription("The next count (1 to 1000, default 5) ticks at or after from (ISO 8601, default now; without an offset it is read in the schedule's zone), each as yyyy-MM-ddTHH:mm:ss±hh:mm in the schedule's zone.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/cron/preview", PreviewCron)
            .WithName("previewCron").WithTags("Automation")
            .WithSummary("The next ticks of a cron expression")
            .WithDescription("cron: 5 fields, 6 with seconds first, or a macro such as @daily; timezone: an IANA name (default UTC); from and count as for a schedule's preview. A bad cron or zone is a 400 saying what is wrong.");
        return api;
    }

    private static void Map(RouteGroupBuilder api, AutomationKind kind, string plural, string one, string title)
    {
        api.MapGet($"/{plural}", async (OrleansAssetsClient client) =>
                TypedResults.Ok(new Page<AutomationInfo>(kind == AutomationKind.Schedule ? await client.ListSchedulesAsync() : await client.ListSensorsAsync(), null)))
            .WithName($"list{title}s").WithTags("Automation")
            .WithSummary($"List {plural}")
            .WithDescription(kind == AutomationKind.Schedule
                ? "Every schedule with its status (running or stopped), cron and zone, job or selection, next ticks and newest tick."
                : "Every sensor with its status (running or stopped), kind, interval, watched assets, cursor and newest tick.");
        api.MapGet($"/{plural}/{{name}}", async (OrleansAssetsClient client, string name) => TypedResults.Ok(await client.GetAutomationAsync(kind, name)))
            .WithName($"get{title}").WithTags("Automation")
            .WithSummary($"Get one {one}")
            .WithDescription($"The {one} with its live status; 404 names the known {plural}.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost($"/{plural}/{{name}}/start", (OrleansAssetsClient client, string name, HttpContext context) => SetStatus(client, kind, name, AutomationStatus.Running, context))
            .WithName($"start{title}").WithTags("Automation")
            .WithSummary($"Start a {one}")
            .WithDescription($"Persisted: the {one} stays running across restarts until stopped. Answers with the {one} as it now stands.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost($"/{plural}/{{name}}/stop", (OrleansAssetsClient client, string name, HttpContext context) => SetStatus(client, kind, name, AutomationStatus.Stopped, context))
            .WithName($"stop{title}").WithTags("Automation")
            .WithSummary($"Stop a {one}")
            .WithDescription($"Persisted: the {one} makes no runs until started again. Answers with the {one} as it now stands.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet($"/{plural}/{{name}}/ticks", (OrleansAssetsClient client, string name, string? limit, string? cursor) => ListTicks(client, kind, name, limit, cursor))
            .WithName($"list{title}Ticks").WithTags("Automation")
            .WithSummary($"List a {one}'s ticks")
            .WithDescription("Newest first, paged: each tick's time, status (started, skipped, failed), the runs it made, its message and cursor.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Ok<AutomationInfo>> SetStatus(OrleansAssetsClient client, AutomationKind kind, string name, AutomationStatus status, HttpContext context) =>
        TypedResults.Ok(await client.SetAutomationStatusAsync(kind, name, status, Callers.Of(context)));

    private static async Task<Ok<Page<TickRecord>>> ListTicks(OrleansAssetsClient client, AutomationKind kind, string name, string? limit, string? cursor)
    {
        var size = Paging.Limit(limit);
        var before = Paging.Decode<TimeCursor>(cursor)?.Before;
        var ticks = await client.ListTicksAsync(kind, name, before, size);
        return TypedResults.Ok(new Page<TickRecord>(ticks, ticks.Count == size ? Paging.Encode(new TimeCursor(ticks[^1].At)) : null));
    }

    private static async Task<Ok<TickPreview>> PreviewSchedule(OrleansAssetsClient client, string name, string? from, string? count)
    {
        var size = Count(count);
        var schedule = await client.GetAutomationAsync(AutomationKind.Schedule, name);
        return Preview(schedule.Cron, schedule.TimeZone, from, size);
    }

    private static Ok<TickPreview> PreviewCron(string? cron, string? timezone, string? from, string? count)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            throw new BadRequestException("cron is required: 5 fields (minute hour day month weekday), 6 with seconds first, or a macro such as @daily (?cron=0%200%20*%20*%20*).");
        }

        return Preview(cron, timezone, from, Count(count));
    }

    private static Ok<TickPreview> Preview(string? cron, string? timeZone, string? from, int count)
    {
        var expression = ScheduleClock.ParseCron(cron);
        var zone = ScheduleClock.FindZone(timeZone);
        var start = from is null ? DateTimeOffset.UtcNow : ScheduleClock.ParseInstant(OffsetSign(from), zone);
        return TypedResults.Ok(new TickPreview(ScheduleClock.Next(expression, zone, start, count)));
    }

    /// <summary>A query string's '+' reads as a space: an offset typed unescaped (<c>+09:00</c>) is taken as meant.</summary>
    private static string OffsetSign(string from)
    {
        var text = from.Trim();
        return text.Length > 6 && text[^6] == ' ' && text[^3] == ':' ? string.Concat(text.AsSpan(0, text.Length - 6), "+", text.AsSpan(text.Length - 5)) : text;
    }

    private static int Count(string? text) =>
        text is null ? 5
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxPreview ? count
        : throw new BadRequestException($"count must be a whole number from 1 to {MaxPreview}; {UserText.Quote(text)} is not.");

    private sealed record TimeCursor(DateTimeOffset Before);
}

/// <summary>
/// Ticks to come, each in the schedule's zone. As instants, which JSON writes as <c>yyyy-MM-ddTHH:mm:ss±hh:mm</c> for
/// whole seconds (as every tick is), where a string would have its '+' escaped as <c>\u002B</c>.
/// </summary>
public sealed record TickPreview(IReadOnlyList<DateTimeOffset> Ticks);
