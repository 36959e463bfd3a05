using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansAssets.Hosting;
using OrleansAssets.Storage;

namespace OrleansAssets.Runs;

/// <inheritdoc cref="IRunQueueGrain"/>
/// <remarks>
/// One activation decides, so two runs cannot both take the last place. What it knows of queued and running runs is
/// rebuilt from the runs table whenever it activates and every 15 s, so a lost message (a run ending, a submit)
/// costs a delay, never a run started twice or a place lost for good. Starting a run is a call its run grain
/// answers once (it starts once however often it is asked).
/// </remarks>
internal sealed partial class RunQueueGrain(IRunQueueStore queue, IOptions<OrleansAssetsOptions> options, TimeProvider time, ILogger<RunQueueGrain> logger) : Grain, IRunQueueGrain
{
    private static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(15);

    /// <summary>How long a run asked to start counts as running although the runs table does not say so yet.</summary>
    private static readonly TimeSpan StartingGrace = TimeSpan.FromSeconds(30);

    private readonly SortedSet<RunRecord> _queued = new(QueueOrder.Instance);
    private readonly Dictionary<Guid, RunRecord> _running = [];
    private readonly Dictionary<Guid, DateTimeOffset> _starting = [];
    private readonly List<TagLimit> _limits = [.. options.Value.RunQueue.TagLimits.Select(l => new TagLimit { Key = l.Key!, Value = string.IsNullOrEmpty(l.Value) ? null : l.Value, Limit = l.Limit })];

    private int MaxConcurrentRuns => options.Value.RunQueue.MaxConcurrentRuns;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        this.RegisterGrainTimer(ct => Reconcile(), new GrainTimerCreationOptions(ReconcileInterval, ReconcileInterval) { Interleave = false });
        Dispatch();
    }

    public Task Enqueue(RunRecord run)
    {
        if (!run.IsFinished && !_running.ContainsKey(run.RunId))
        {
            _queued.RemoveWhere(r => r.RunId == run.RunId);
            _queued.Add(run);
        }

        Dispatch();
        return Task.CompletedTask;
    }

    public Task RunEnded(Guid runId)
    {
        _running.Remove(runId);
        _starting.Remove(runId);
        _queued.RemoveWhere(r => r.RunId == runId);
        Dispatch();
        return Task.CompletedTask;
    }

    public async Task Reconcile()
    {
        await LoadAsync(CancellationToken.None);
        Dispatch();
    }

    public Task<QueueSnapshot> GetQueue()
    {
        var position = 0;
        var running = _running.Values.ToList();
        return Task.FromResult(new QueueSnapshot
        {
            Queued = [.. _queued.Select(r => new QueuedRun
            {
                RunId = r.RunId,
                Position = ++position,
                Priority = r.Priority,
                CreatedAt = r.CreatedAt,
                Tags = r.Tags,
                WaitingFor = WaitingFor(r, running),
            })],
            Running = [.. _running.Keys],
            MaxConcurrentRuns = MaxConcurrentRuns,
            TagLimits = [.. _limits],
        });
    }

    public Task<int?> PositionOf(Guid runId)
    {
        var position = 0;
        foreach (var run in _queued)
        {
            position++;
            if (run.RunId == runId)
            {
                return Task.FromResult<int?>(position);
            }
        }

        return Task.FromResult<int?>(null);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var unfinished = await queue.GetUnfinishedRunsAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var (id, since) in _starting.ToList().Where(s => now - s.Value > StartingGrace))
        {
            _starting.Remove(id);
        }

        _queued.Clear();
        _running.Clear();
        foreach (var run in unfinished)
        {
            if (run.Status == RunStatus.Started || _starting.ContainsKey(run.RunId))
            {
                _running[run.RunId] = run;
            }
            else
            {
                _queued.Add(run);
            }
        }
    }

    /// <summary>Starts, in queue order, every run that may start now; a run a tag limit holds back lets the next one by.</summary>
    private void Dispatch()
    {
        if (_running.Count >= MaxConcurrentRuns || _queued.Count == 0)
        {
            return;
        }

        var running = _running.Values.ToList();
        foreach (var run in _queued.ToList())
        {
            if (_running.Count >= MaxConcurrentRuns)
            {
                break;
            }

            if (_limits.Any(l => l.Matches(run.Tags) && running.Count(r => l.Matches(r.Tags)) >= l.Limit))
            {
                continue;
            }

            _queued.Remove(run);
            _running[run.RunId] = run;
            _starting[run.RunId] = time.GetUtcNow();
            running.Add(run);
            _ = StartAsync(run.RunId);
        }
    }

    private async Task StartAsync(Guid runId)
    {
        try
        {
            await GrainFactory.GetGrain<IRunGrain>(runId).Start();
        }
        catch (Exception e)
        {
            // The run stays queued in the runs table: the next reconcile gives it its place again.
            LogStartFailed(logger, e, runId);
        }
    }

    private string? WaitingFor(RunRecord run, List<RunRecord> running)
    {
        if (_limits.FirstOrDefault(l => l.Matches(run.Tags) && running.Count(r => l.Matches(r.Tags)) >= l.Limit) is { } limit)
        {
            return $"tag limit {limit.Key}{(limit.Value is null ? "" : $"={limit.Value}")}: {limit.Limit} running";
        }

        return running.Count >= MaxConcurrentRuns ? $"{MaxConcurrentRuns} run(s) running (MaxConcurrentRuns)" : null;
    }

    /// <summary>Higher priority first, then the older run, then by id (so no two runs compare equal).</summary>
    private sealed class QueueOrder : IComparer<RunRecord>
    {
        public static readonly QueueOrder Instance = new();

        public int Compare(RunRecord? x, RunRecord? y)
        {
            var byPriority = y!.Priority.CompareTo(x!.Priority);
            if (byPriority != 0)
            {
                return byPriority;
            }

            var byAge = x.CreatedAt.CompareTo(y.CreatedAt);
            return byAge != 0 ? byAge : x.RunId.CompareTo(y.RunId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} could not be started; it keeps its place in the queue")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, Guid runId);
}
