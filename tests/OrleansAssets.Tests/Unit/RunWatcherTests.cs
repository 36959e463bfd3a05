using System.Diagnostics;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using OrleansAssets.Client;
using OrleansAssets.Client.Http;
using OrleansAssets.Runs;

namespace OrleansAssets.Tests.Unit;

/// <summary>
/// How the SDK follows a run through an outage: which failures it retries, that it resumes from its cursor, and
/// that it reports each event once. The reads are scripted; a real outage is in <c>Cli/OutageTests</c>.
/// </summary>
public sealed class RunWatcherTests
{
    private static readonly Guid RunId = Guid.NewGuid();

    private static readonly RunWatchOptions Fast = new() { PollInterval = TimeSpan.Zero, FirstRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(4) };

    public static TheoryData<Exception, OutageKind?> Failures => new()
    {
        { new StorageUnavailableException("The run storage on Postgres failed: terminating connection due to administrator command (57P01)"), OutageKind.Storage },
        { new AggregateException(new StorageUnavailableException("away")), OutageKind.Storage },
        { new SiloUnavailableException(), OutageKind.Cluster },
        { new GatewayTooBusyException("Gateway too busy"), OutageKind.Cluster },
        { new ConnectionFailedException("Unable to connect to any of the 1 available gateways.", new System.Net.Sockets.SocketException(111)), OutageKind.Cluster },
        { new TimeoutException("Response did not arrive on time"), OutageKind.Cluster },
        { new OrleansException("No gateways available"), OutageKind.Cluster },
        { new GatewayUnreachableException(new Uri("http://127.0.0.1:3000"), "connection refused (nothing listens there)", mayHaveArrived: false), OutageKind.Cluster },
        { new ClusterUnavailableException("The gateway at http://127.0.0.1:3000 answered, but not the cluster behind it: no gateway of the cluster answers (Connection refused)."), OutageKind.Cluster },
        { new GatewayAuthenticationException(new Uri("http://127.0.0.1:3000"), tokenSent: false), null },
        { new GatewayRequestException(400, "limit must be a whole number from 1 to 1000; '0' is not."), null },
        { new GatewayFailedException(500, "The gateway failed unexpectedly; its log says why."), null },
        { new NotFoundException($"Unknown run {Guid.Empty}."), null },
        { new AssetSelectionException("Bad selection 'x'"), null },
        { new InvalidOperationException("a bug"), null },
        { new OrleansException("Something else entirely"), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failures_that_pass_are_told_from_those_that_do_not(Exception failure, OutageKind? kind)
    {
        var classified = ClusterErrors.Classify(failure);

        Assert.Equal(kind, classified?.Kind);
        if (classified is not null)
        {
            Assert.DoesNotContain("Exception", classified.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Retries_back_off_from_a_quarter_second_doubling_to_five()
    {
        var delays = Enumerable.Range(1, 8).Select(a => RunWatchOptions.Default.RetryDelay(a).TotalSeconds);

        Assert.Equal([0.25, 0.5, 1, 2, 4, 5, 5, 5], delays);
        Assert.Null(RunWatchOptions.Default.MaxOutage);
    }

    [Fact]
    public async Task An_outage_is_retried_reported_and_every_event_is_reported_once()
    {
        var reads = new Script(
            _ => Page(RunStatus.Started, 1, 2),
            _ => throw new StorageUnavailableException("The run storage on Postgres failed: terminating connection due to administrator command (57P01)"),
            _ => throw new SiloUnavailableException(),
            // After the outage the store repeats events the watch already has: they must not come again.
            after => Page(RunStatus.Started, after - 1, after + 2),
            after => Page(RunStatus.Success, after + 1, after + 1));
        var interruptions = new List<RunWatchInterruption>();

        var events = new List<long>();
        await foreach (var page in RunWatcher.WatchAsync(reads.ReadAsync, RunId, Fast with { Interruptions = new Collect<RunWatchInterruption>(interruptions) }, CancellationToken.None))
        {
            events.AddRange(page.Events.Select(e => e.Sequence));
        }

        Assert.Equal([1, 2, 3, 4, 5], events);
        Assert.Equal([0, 2, 2, 2, 4], reads.Cursors);
        Assert.Equal(3, interruptions.Count);
        Assert.Equal(OutageKind.Storage, interruptions[0].Error.Kind);
        Assert.Contains("the cluster's storage is unavailable (The run storage on Postgres failed: terminating connection", interruptions[0].Error.Reason, StringComparison.Ordinal);
        Assert.Equal((2, false), (interruptions[1].Attempt, interruptions[1].Resumed));
        Assert.Equal(OutageKind.Cluster, interruptions[1].Error.Kind);
        Assert.True(interruptions[2].Resumed);
    }

    [Fact]
    public async Task An_unknown_run_is_not_retried()
    {
        var reads = new Script(_ => throw new NotFoundException($"Unknown run {RunId}."));
        var interruptions = new List<RunWatchInterruption>();

        await Assert.ThrowsAsync<NotFoundException>(async () =>
        {
            await foreach (var _ in RunWatcher.WatchAsync(reads.ReadAsync, RunId, Fast with { Interruptions = new Collect<RunWatchInterruption>(interruptions) }, CancellationToken.None))
            {
            }
        });
        Assert.Single(reads.Cursors);
        Assert.Empty(interruptions);
    }

    [Fact]
    public async Task With_a_bound_an_outage_that_outlasts_it_ends_the_watch_with_its_failure()
    {
        var reads = new Script(Enumerable.Repeat<Func<long, RunDetails>>(_ => throw new StorageUnavailableException("away"), 1000).ToArray());

        await Assert.ThrowsAsync<StorageUnavailableException>(() =>
            RunWatcher.ReadAsync(token => reads.ReadAsync(0, 1, token), RunId, Fast with { MaxOutage = TimeSpan.FromMilliseconds(50) }, CancellationToken.None));
        Assert.InRange(reads.Cursors.Count, 2, 999);
    }

    [Fact]
    public async Task Without_a_bound_the_callers_token_ends_the_retries()
    {
        var reads = new Script(Enumerable.Repeat<Func<long, RunDetails>>(_ => throw new StorageUnavailableException("away"), 100_000).ToArray());
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunWatcher.ReadAsync(token => reads.ReadAsync(0, 1, token), RunId, Fast, stop.Token));
    }

    [Fact]
    public async Task A_read_that_outlasts_its_timeout_has_its_token_canceled_and_is_retried()
    {
        var canceled = 0;
        var calls = 0;
        var result = await RunWatcher.ReadAsync(
            async token =>
            {
                if (++calls == 1)
                {
                    // An HTTP request that hangs: it sees its token canceled and gives up, as HttpClient does.
                    try
                    {
                        await Task.Delay(Timeout.Infinite, token);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref canceled);
                        throw;
                    }
                }

                return 42;
            },
            RunId,
            Fast with { ReadTimeout = TimeSpan.FromMilliseconds(50) },
            CancellationToken.None);

        Assert.Equal((42, 2), (result, calls));

        // Whichever bound fired first, the abandoned read was told to stop.
        var told = Stopwatch.StartNew();
        while (Volatile.Read(ref canceled) == 0 && told.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, Volatile.Read(ref canceled));
    }

    [Fact]
    public async Task A_finished_run_with_a_full_page_is_read_to_its_last_event()
    {
        var reads = new Script(
            _ => Page(RunStatus.Success, 1, RunWatcher.PageSize),
            after => Page(RunStatus.Success, after + 1, after + 3));

        var count = 0;
        await foreach (var page in RunWatcher.WatchAsync(reads.ReadAsync, RunId, Fast, CancellationToken.None))
        {
            count += page.Events.Count;
        }

        Assert.Equal(RunWatcher.PageSize + 3, count);
    }

    private static RunDetails Page(RunStatus status, long first, long last) => new()
    {
        Run = new RunRecord { RunId = RunId, Status = status, Selection = "*", CreatedAt = DateTimeOffset.UtcNow },
        Events = [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(s => new RunEvent { Sequence = s, RunId = RunId, Timestamp = DateTimeOffset.UtcNow, Type = RunEventType.Log })],
        NextCursor = last,
    };

    /// <summary>Answers each read with the next step of the script, recording the cursor it was asked from.</summary>
    private sealed class Script(params Func<long, RunDetails>[] steps)
    {
        private int _next;

        public List<long> Cursors { get; } = [];

        public Task<RunDetails> ReadAsync(long after, int pageSize, CancellationToken cancellationToken)
        {
            Cursors.Add(after);
            return Task.FromResult(steps[Math.Min(_next++, steps.Length - 1)](after));
        }
    }

    private sealed class Collect<T>(List<T> into) : IProgress<T>
    {
        public void Report(T value) => into.Add(value);
    }
}
