using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansAssets.Client;
using OrleansAssets.Gateway.Api;
using OrleansAssets.Runs;

namespace OrleansAssets.Gateway.Streaming;

/// <summary>
/// <c>GET /api/v1/stream</c>: Server-Sent Events of run events (<c>event: run</c>, data a run event with its
/// <c>runId</c>) and asset state changes (<c>event: asset</c>, data with its <c>assetKey</c>). With <c>?run=ID</c>
/// only that run's events, each with its sequence as the id, resumable exactly (from the run's log) with
/// Last-Event-ID or <c>after</c>; without, ids are this gateway's and a reconnect resumes from what it kept.
/// </summary>
internal static class StreamApi
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapStreamApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stream", Stream)
            .WithName("stream").WithTags("Live")
            .WithSummary("Live run events and asset state changes (Server-Sent Events)")
            .WithDescription("event: run (data: a run event, with runId), event: asset (data: assetKey, status, runId, timestamp), event: reset (resume was not possible: reload state). Filter one run with ?run=ID; resume with Last-Event-ID or ?after=.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return api;
    }

    private static async Task Stream(HttpContext http, LiveEvents live, OrleansAssetsClient client, string? run, string? after)
    {
        if (run is not null)
        {
            // An unknown run is a 404 before the stream starts, not a stream that ends at once.
            await client.GetRunAsync(RunsApi.RunIdOf(run), 0, 0);
        }

        var items = Items(http, live, client, run, after);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var writer = http.Response.BodyWriter;
        await http.Response.StartAsync(http.RequestAborted);

        // Send the headers now, with a comment (Kestrel sends nothing before the first bytes): EventSource reports the
        // stream open only when they arrive, and a quiet stream would otherwise wait for its first keep-alive.
        await writer.WriteAsync(": open\n\n"u8.ToArray(), http.RequestAborted);
        await writer.FlushAsync(http.RequestAborted);
        try
        {
            await foreach (var item in items.WithCancellation(http.RequestAborted))
            {
                // A keep-alive is an SSE comment: EventSource ignores it, proxies see traffic.
                var text = item.EventType == "keep-alive"
                    ? ": keep-alive\n\n"
                    : $"{(item.EventId is { } id ? $"id: {id}\n" : "")}event: {item.EventType}\ndata: {item.Data}\n\n";
                await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), http.RequestAborted);
                await writer.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static IAsyncEnumerable<SseItem<string>> Items(HttpContext http, LiveEvents live, OrleansAssetsClient client, string? run, string? after)
    {
        var lastId = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? after;
        if (run is not null)
        {
            var runId = RunsApi.RunIdOf(run);
            long sequence = 0;
            if (lastId is not null && !long.TryParse(lastId, NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
            {
                throw new BadRequestException($"Last-Event-ID (or after) must be the sequence of the run's last event seen; {UserText.Quote(lastId)} is not.");
            }

            return RunStream(live, client, runId, sequence, http.RequestAborted);
        }

        long? fromId = null;
        if (lastId is not null)
        {
            var parts = lastId.Split('-');
            fromId = parts.Length == 2 && parts[0] == live.Epoch && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        }

        return AllStream(live, fromId, http.RequestAborted);
    }

    private static async IAsyncEnumerable<SseItem<string>> AllStream(LiveEvents live, long? afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var feed = live.Watch(afterId is -1 ? null : afterId, cancellationToken, out var resumed);
        if (afterId is -1 || !resumed)
        {
            // What the viewer missed is no longer kept here (another gateway, or too long ago): it reloads.
            yield return new SseItem<string>("{}", "reset");
        }

        await foreach (var message in Follow(feed, cancellationToken))
        {
            yield return message is null ? KeepAliveItem : Item(message, $"{live.Epoch}-{message.Id}");
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> RunStream(LiveEvents live, OrleansAssetsClient client, Guid runId, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Watch first, then read the log: an event committed in between arrives twice and is sent once.
        var feed = live.Watch(null, cancellationToken, out _);
        var sent = after;
        var backlog = await client.GetRunAsync(runId, after);
        foreach (var e in backlog.Events)
        {
            foreach (var item in ItemsOf(e))
            {
                yield return item;
            }

            sent = e.Sequence;
        }

        await foreach (var message in Follow(feed, cancellationToken))
        {
            if (message is null)
            {
                yield return KeepAliveItem;
            }
            else if (message.Run is { } e && e.RunId == runId && e.Sequence > sent)
            {
                foreach (var item in ItemsOf(e))
                {
                    yield return item;
                }

                sent = e.Sequence;
            }
        }
    }

    private static IEnumerable<SseItem<string>> ItemsOf(RunEvent e)
    {
        var id = e.Sequence.ToString(CultureInfo.InvariantCulture);
        yield return new SseItem<string>(JsonSerializer.Serialize(e, GatewayJson.Options), "run") { EventId = id };
        if (LiveEvents.ChangeOf(e) is { } change)
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(change, GatewayJson.Options), "asset") { EventId = id };
        }
    }

    private static SseItem<string> Item(LiveMessage message, string id) => message.Run is { } e
        ? new SseItem<string>(JsonSerializer.Serialize(e, GatewayJson.Options), "run") { EventId = id }
        : new SseItem<string>(JsonSerializer.Serialize(message.Asset, GatewayJson.Options), "asset") { EventId = id };

    /// <summary>A comment line that keeps proxies from closing an idle stream.</summary>
    private static readonly SseItem<string> KeepAliveItem = new("", "keep-alive");

    /// <summary>The feed's messages, and a null now and then while it is quiet (time for a keep-alive).</summary>
    private static async IAsyncEnumerable<LiveMessage?> Follow(System.Threading.Channels.ChannelReader<LiveMessage> feed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Task<bool>? waiting = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            waiting ??= feed.WaitToReadAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(waiting, Task.Delay(KeepAlive, cancellationToken)) != waiting)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    yield return null;
                }

                continue;
            }

            if (!waiting.IsCompletedSuccessfully || !waiting.Result)
            {
                yield break;
            }

            waiting = null;
            while (feed.TryRead(out var message))
            {
                yield return message;
            }
        }
    }
}
