using System.Diagnostics;
using OrleansAssets.Runs;
using Xunit.Abstractions;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// A cluster on a Postgres of its own, so that stopping the database hurts no other test, with a write retry
/// timeout of 3 s instead of 30 s: an outage of a few seconds outlasts it, as a long outage outlasts the default.
/// </summary>
public sealed class OutageClusterFixture : IAsyncLifetime
{
    public ThrowawayPostgres Postgres { get; private set; } = null!;

    public ProcessCluster Cluster { get; private set; } = null!;

    public static readonly TimeSpan WriteRetryTimeout = TimeSpan.FromSeconds(3);

    public async Task InitializeAsync()
    {
        Postgres = await ThrowawayPostgres.StartAsync();
        Cluster = await ProcessCluster.StartAsync(postgres: Postgres, settings: new Dictionary<string, string>
        {
            ["OrleansAssets__Postgres__WriteRetryTimeout"] = WriteRetryTimeout.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        // Back up, if a test left it down, so the cluster can be taken down cleanly.
        await Postgres.StartAgainAsync().ContinueWith(_ => { }, TaskScheduler.Default);
        await Cluster.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

public sealed class PostgresOutageTests(OutageClusterFixture fixture, ITestOutputHelper output) : IClassFixture<OutageClusterFixture>
{
    [Fact]
    public async Task An_outage_longer_than_the_write_retry_runs_no_code_twice_and_loses_no_event()
    {
        var cluster = fixture.Cluster;
        var client = await cluster.ClientAsync();
        var runs = (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.MaterializeAsync("*")))).Select(r => r.RunId).ToList();

        // Down while the runs' steps run and finish: their outcomes cannot be written for four retry timeouts.
        await fixture.Postgres.StopAsync();
        var outage = Stopwatch.StartNew();
        await Task.Delay(OutageClusterFixture.WriteRetryTimeout * 4);
        await fixture.Postgres.StartAgainAsync();
        output.WriteLine($"Postgres was down {outage.Elapsed.TotalSeconds:F1} s");
        var results = await Task.WhenAll(runs.Select(id => cluster.WaitAsync(id, TimeSpan.FromMinutes(3))));

        Assert.All(results, r => Assert.True(r.Run.Status == RunStatus.Success, $"{r.Run.RunId} {r.Run.Status}: {r.Run.Error}"));
        var report = await ClusterInvariants.CheckAsync(cluster.Database.ConnectionString, runs);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Violations);

        // No user code ran twice: one start of each step's code, one attempt, nothing lost.
        Assert.Equal(0, report.LostAttempts);
        var starts = cluster.CodeStarts().Where(c => runs.Contains(c.Run)).GroupBy(c => (c.Run, c.Asset)).ToList();
        Assert.Equal(runs.Count * 4, starts.Count);
        Assert.All(starts, g => Assert.True(g.Count() == 1, $"{g.Key} started {g.Count()} times"));

        // No event lost: every step's start, each line it logged, its materialization and its success.
        foreach (var run in results)
        {
            foreach (var key in run.Run.AssetKeys)
            {
                Assert.Single(run.Events, e => e.Type == RunEventType.StepStarted && e.AssetKey == key);
                Assert.Single(run.Events, e => e.Type == RunEventType.Log && e.AssetKey == key);
                Assert.Single(run.Events, e => e.Type == RunEventType.Materialization && e.AssetKey == key);
                Assert.Single(run.Events, e => e.Type == RunEventType.StepSucceeded && e.AssetKey == key);
            }
        }

        // The outage did outlast the write retry: outcomes finished while it lasted were kept and handed over again.
        var kept = cluster.Logs().Sum(l => CountOf(l, "its outcome could not be recorded yet"));
        output.WriteLine($"{kept} hand-over(s) of a finished step's outcome waited for the database");
        Assert.True(kept > 0, "no step finished while Postgres was down; the test did not test what it claims");
    }

    [Fact]
    public async Task Oa_materialize_wait_rides_out_a_postgres_restart_and_exits_with_the_run_s_outcome()
    {
        var cluster = fixture.Cluster;
        using var oa = cluster.StartOa("materialize", "--select", "*", "--wait");
        var output1 = new System.Text.StringBuilder();
        var error = new System.Text.StringBuilder();
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        oa.OutputDataReceived += (_, e) =>
        {
            lock (output1)
            {
                output1.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("Run ", StringComparison.Ordinal) == true)
            {
                submitted.TrySetResult();
            }
        };
        oa.ErrorDataReceived += (_, e) =>
        {
            lock (error)
            {
                error.AppendLine(e.Data);
            }
        };
        oa.BeginOutputReadLine();
        oa.BeginErrorReadLine();
        await submitted.Task.WaitAsync(TimeSpan.FromSeconds(60));

        await fixture.Postgres.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fixture.Postgres.StartAgainAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await oa.WaitForExitAsync(timeout.Token);

        output.WriteLine(output1.ToString());
        output.WriteLine(error.ToString());
        Assert.True(oa.ExitCode == 0, $"exit {oa.ExitCode}\n{output1}\n{error}");
        Assert.Contains("run succeeded", output1.ToString(), StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
