using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Gateway;

/// <summary>The live stream: a run's events arrive in order, with the asset changes they make, and a run's stream resumes.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayStreamTests(GatewayFixture gateway, ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_s_events_arrive_on_the_stream_in_order_with_the_asset_changes_they_make()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await OpenAsync("/api/v1/stream", timeout.Token);

        // The silos publish only while someone watches, which they learn within a second.
        await Task.Delay(TimeSpan.FromSeconds(1.5), timeout.Token);
        using var response = await gateway.Http.PostAsJsonAsync("/api/v1/runs", new { selection = "*sales_summary" }, timeout.Token);
        var runId = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement.GetProperty("runId").GetGuid();

        var runEvents = new List<JsonElement>();
        var assetChanges = new List<JsonElement>();
        var delays = new List<double>();
        await foreach (var (type, data) in ReadAsync(stream, timeout.Token))
        {
            if (type == "run" && data.GetProperty("runId").GetGuid() == runId)
            {
                runEvents.Add(data);
                delays.Add((DateTimeOffset.UtcNow - data.GetProperty("timestamp").GetDateTimeOffset()).TotalMilliseconds);
                if (data.GetProperty("type").GetString() is "runSuccess" or "runFailure")
                {
                    break;
                }
            }
            else if (type == "asset" && data.GetProperty("runId").GetGuid() == runId)
            {
                assetChanges.Add(data);
            }
        }

        var sequences = runEvents.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        Assert.Equal("runSuccess", runEvents[^1].GetProperty("type").GetString());
        Assert.Contains(assetChanges, c => c.GetProperty("assetKey").GetString() == "sales_summary" && c.GetProperty("status").GetString() == "materialized");
        Assert.Contains(assetChanges, c => c.GetProperty("assetKey").GetString() == "raw_sales_data" && c.GetProperty("status").GetString() == "materializing");
        output.WriteLine($"{runEvents.Count} run events; from the event's time to its arrival: p50 {Percentile(delays, 0.5):F1} ms, max {delays.Max():F1} ms");

        // A run's own stream resumes exactly from a sequence number, from the run's log.
        using var resumed = await OpenAsync($"/api/v1/stream?run={runId}&after={sequences[2]}", timeout.Token);
        var replayed = new List<long>();
        await foreach (var (type, data) in ReadAsync(resumed, timeout.Token))
        {
            if (type == "run")
            {
                replayed.Add(data.GetProperty("sequence").GetInt64());
                if (data.GetProperty("type").GetString() == "runSuccess")
                {
                    break;
                }
            }
        }

        Assert.Equal(sequences.Where(s => s > sequences[2]), replayed.Where(s => sequences.Contains(s)));
        Assert.Equal(replayed.Count, replayed.Distinct().Count());
    }

    private async Task<Stream> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    /// <summary>The stream's events as (type, data), comments skipped.</summary>
    private static async IAsyncEnumerable<(string Type, JsonElement Data)> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string? type = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && type is not null)
            {
                yield return (type, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
            else if (line.Length == 0)
            {
                type = null;
            }
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
