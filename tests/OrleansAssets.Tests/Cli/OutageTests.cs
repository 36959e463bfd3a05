using System.Diagnostics;
using System.Net;
using OrleansAssets.Client;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Tests.Cli;

/// <summary>
/// A gateway outage in the middle of a wait: the client reaches the silo through a TCP forwarder that the test
/// cuts while a run is unfinished (connections reset, new ones refused) and restores; the run ends meanwhile or
/// after. The wait rides it out, reports the outage, and reports each event once.
/// </summary>
[Collection(OutageCollection.Name)]
public sealed class OutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClusterId = "orleansassets-outage";
    private readonly string _storage = Directory.CreateTempSubdirectory("oa-outage-").FullName;
    private TcpSilo _silo = null!;
    private TcpProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        OutageAssets.Close();
        // The silo gives out the forwarder's port as its gateway and listens behind it.
        var (advertised, listening) = (Oa.FreePort(), Oa.FreePort());
        _silo = await TcpSilo.StartAsync(ClusterId, _storage, advertised, listening);
        _proxy = new TcpProxy(advertised, new IPEndPoint(IPAddress.Loopback, listening));
        _proxy.Restore();
    }

    public async Task DisposeAsync()
    {
        OutageAssets.Open();
        await _proxy.DisposeAsync();
        await _silo.DisposeAsync();
        Directory.Delete(_storage, recursive: true);
    }

    [Fact]
    public async Task WaitForRunAsync_rides_out_a_gateway_outage_and_reports_each_event_once()
    {
        var (clientHost, client) = await TcpSilo.ConnectAsync(_proxy.Address, ClusterId);
        using var _ = clientHost;
        var run = await client.MaterializeAsync("outlasting");
        var interruptions = new List<RunWatchInterruption>();
        var reported = new List<RunEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var options = RunWatchOptions.Default with
        {
            PollInterval = TimeSpan.FromMilliseconds(50),
            FirstRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
            ReadTimeout = TimeSpan.FromSeconds(2),
            Interruptions = new Synchronous<RunWatchInterruption>(i => { lock (interruptions) { interruptions.Add(i); } }),
        };
        var waiting = client.WaitForRunAsync(run.RunId, new Synchronous<RunEvent>(reported.Add), options, timeout.Token);

        await OutageAsync(() => { lock (interruptions) { return interruptions.Count; } }, () => reported.Any(e => e.Type == RunEventType.StepStarted));
        var finished = await waiting;

        foreach (var i in interruptions)
        {
            output.WriteLine($"{(i.Resumed ? "resumed" : $"retry {i.Attempt} in {i.RetryIn.TotalSeconds:F2} s")} after {i.Outage.TotalSeconds:F2} s: {i.Error.Reason}");
        }

        Assert.Equal(RunStatus.Success, finished.Run.Status);
        Assert.NotEmpty(interruptions);
        Assert.True(interruptions[^1].Resumed);
        Assert.All(interruptions, i => Assert.Equal(OutageKind.Cluster, i.Error.Kind));
        var sequences = reported.Select(e => e.Sequence).ToList();
        var recorded = (await client.GetRunAsync(run.RunId)).Events.Select(e => e.Sequence);
        Assert.Equal(recorded, sequences);
        Assert.Single(reported, e => e.Type == RunEventType.StepStarted);
        Assert.Single(reported, e => e.Type == RunEventType.Materialization);
        Assert.Single(reported, e => e.Type == RunEventType.RunSuccess);
        await clientHost.StopAsync();
    }

    [Fact]
    public async Task Oa_materialize_wait_says_it_is_waiting_and_exits_with_the_runs_outcome_after_the_outage()
    {
        var oa = Oa.Start(null, "--gateway", _proxy.Address, "--cluster-id", ClusterId, "materialize", "--select", "outlasting", "--wait");

        // Once oa printed the step's start, the run is submitted and followed: the outage hits the wait, not the submit.
        try
        {
            await OutageAsync(() => 1, () => oa.Output.Contains("outlasting started", StringComparison.Ordinal));
        }
        catch (TimeoutException)
        {
            output.WriteLine($"oa printed so far:\n{oa.Output}");
            throw;
        }

        var result = await oa.WaitForExitAsync();
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("waiting: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("; retrying in ", result.Error, StringComparison.Ordinal);
        Assert.Contains("waiting: reached the run again after ", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(result.Output, "outlasting started (attempt 1 on "));
        Assert.Equal(1, CountOf(result.Output, "outlasting materialized"));
        Assert.Equal(1, CountOf(result.Output, "run succeeded"));
        Oa.AssertOurWords(result);
    }

    /// <summary>Cuts the gateway once the step runs, lets the step finish while the gateway is away, then restores it.</summary>
    private async Task OutageAsync(Func<int> noticed, Func<bool> stepRuns)
    {
        await Until(stepRuns, "the step to start");
        var clock = Stopwatch.StartNew();
        await _proxy.CutAsync();
        await Until(() => noticed() > 0, "the wait to notice the outage");
        OutageAssets.Open();
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        _proxy.Restore();
        output.WriteLine($"gateway away for {clock.Elapsed.TotalSeconds:F2} s");
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Waited 30 s for {what}");
            }

            await Task.Delay(20);
        }
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private sealed class Synchronous<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>The outage tests share the step gate of <see cref="OutageAssets"/>: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class OutageCollection
{
    public const string Name = "outage";
}
