using OrleansAssets.Assets;
using OrleansAssets.Automation;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client;

/// <summary>
/// <see cref="IOrleansAssetsClient"/> over an Orleans cluster client: calls the cluster's grains through its
/// gateways. Obtain it from DI after <see cref="OrleansAssetsClientHostingExtensions.AddOrleansAssetsClient(Microsoft.Extensions.Hosting.IHostApplicationBuilder, Action{OrleansAssetsClientOptions}?)"/>,
/// or make one over any <see cref="IClusterClient"/> (a silo's own, for a gateway hosted in the silo).
/// </summary>
/// <remarks>
/// A grain call cannot be withdrawn once sent: a canceled token stops the wait for its answer, not the call.
/// </remarks>
public sealed class OrleansAssetsClient(IClusterClient cluster) : IOrleansAssetsClient
{
    private IQueryGrain Queries => cluster.GetGrain<IQueryGrain>(0);

    public Task<List<AssetSummary>> ListAssetsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListAssets().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<AssetPage> FindAssetsAsync(AssetQuery query, CancellationToken cancellationToken = default) =>
        Queries.FindAssets(query).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<Lineage> GetLineageAsync(string? selection = null, CancellationToken cancellationToken = default) =>
        Queries.GetLineage(selection).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<AssetDetails> GetAssetAsync(string key, CancellationToken cancellationToken = default) =>
        Queries.GetAsset(key).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<MaterializationRecord>> ListMaterializationsAsync(string key, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default) =>
        Queries.ListMaterializations(key, before, limit).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<MaterializationRecord> ReportMaterializationAsync(string assetKey, IReadOnlyDictionary<string, MetadataValue>? metadata = null, string? dataVersion = null, Guid? reportId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assetKey);
        if (assetKey.Length == 0)
        {
            throw new NotFoundException("Unknown asset key ''.");
        }

        return cluster.GetGrain<IAssetGrain>(assetKey).ReportMaterialization(new MaterializationReport
        {
            ReportId = reportId ?? Guid.NewGuid(),
            Metadata = metadata is null ? new(StringComparer.Ordinal) : new Dictionary<string, MetadataValue>(metadata, StringComparer.Ordinal),
            DataVersion = dataVersion,
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RunRecord> MaterializeAsync(string selection, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default) =>
        cluster.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest
        {
            Selection = selection,
            Tags = tags is null ? [] : new Dictionary<string, string>(tags),
        }).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<RunRecord> ReexecuteRunAsync(Guid runId, bool fromFailure = false, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default) =>
        cluster.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest
        {
            Reexecute = new Reexecution { ParentRunId = runId, FromFailure = fromFailure },
            Tags = tags is null ? [] : new Dictionary<string, string>(tags),
        }).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<RunDetails> GetRunAsync(Guid runId, long afterSequence = 0, int maxEvents = 10_000, CancellationToken cancellationToken = default) =>
        Queries.GetRun(runId, afterSequence, maxEvents).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<RunRecord>> ListRunsAsync(RunQuery? query = null, CancellationToken cancellationToken = default) =>
        Queries.ListRuns(query ?? new RunQuery()).WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<SiloInfo>> ListSilosAsync(CancellationToken cancellationToken = default) =>
        Queries.ListSilos().WaitAsync(cancellationToken);

    public Task<List<CodeLocationInfo>> ListCodeLocationsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListCodeLocations().WaitAsync(cancellationToken);

    /// <summary>Who a change is recorded as when the caller does not say: this program's user and machine.</summary>
    public static string DefaultCaller => $"the SDK ({Environment.UserName}@{Environment.MachineName})";

    /// <inheritdoc/>
    public Task<List<JobInfo>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListJobs().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<JobInfo> GetJobAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Queries.GetJob(name).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RunRecord> LaunchJobAsync(string name, string? config = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return cluster.GetGrain<IRunGrain>(Guid.NewGuid()).Submit(new RunRequest
        {
            Job = name,
            Config = config,
            Tags = tags is null ? [] : new Dictionary<string, string>(tags),
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<List<AutomationInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        Queries.ListSchedules().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<List<AutomationInfo>> ListSensorsAsync(CancellationToken cancellationToken = default) =>
        Queries.ListSensors().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<AutomationInfo> GetAutomationAsync(AutomationKind kind, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Queries.GetAutomation(kind, name).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AutomationInfo> SetAutomationStatusAsync(AutomationKind kind, string name, AutomationStatus status, string? by = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Queries.SetAutomationStatus(kind, name, status, by ?? DefaultCaller).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<List<TickRecord>> ListTicksAsync(AutomationKind kind, string name, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Queries.ListTicks(kind, name, before, limit).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<List<DateTimeOffset>> PreviewScheduleAsync(string name, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckCount(count);
        var schedule = await GetAutomationAsync(AutomationKind.Schedule, name, cancellationToken);
        return ScheduleClock.Next(ScheduleClock.ParseCron(schedule.Cron), ScheduleClock.FindZone(schedule.TimeZone), from ?? DateTimeOffset.UtcNow, count);
    }

    /// <inheritdoc/>
    /// <remarks>Computed here, by the very clock the schedules tick on: it needs no cluster.</remarks>
    public Task<List<DateTimeOffset>> PreviewCronAsync(string cron, string? timeZone = null, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default) =>
        Task.FromResult(Preview(cron, timeZone, from, count));

    /// <summary>The next ticks of a cron expression in a zone, without any cluster (what <c>oa schedule preview --cron</c> prints).</summary>
    /// <exception cref="ScheduleException">The cron expression or the zone is not valid.</exception>
    public static List<DateTimeOffset> Preview(string cron, string? timeZone = null, DateTimeOffset? from = null, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(cron);
        CheckCount(count);
        return ScheduleClock.Next(ScheduleClock.ParseCron(cron), ScheduleClock.FindZone(timeZone), from ?? DateTimeOffset.UtcNow, count);
    }

    /// <inheritdoc/>
    public Task<QueueSnapshot> GetQueueAsync(CancellationToken cancellationToken = default) =>
        cluster.GetGrain<IRunQueueGrain>(0).GetQueue().WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task<RunRecord> CancelRunAsync(Guid runId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
    {
        // The grain hands back an ended run as it is; read it first so that an old outcome is not reported as the
        // cancel's (a run that ends between the read and the cancel is returned ended, which is the truth too).
        var run = (await Queries.GetRun(runId, 0, 0).WaitAsync(cancellationToken)).Run;
        if (run.IsFinished)
        {
            throw RunEndedException.For(run);
        }

        return await cluster.GetGrain<IRunGrain>(runId).Cancel(new CancelRequest { By = by ?? DefaultCaller, Reason = reason }).WaitAsync(cancellationToken);
    }

    internal static void CheckCount(int count)
    {
        if (count is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for 1 to 1000 ticks.");
        }
    }

    /// <inheritdoc/>
    public Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress, RunWatchOptions options, CancellationToken cancellationToken = default) =>
        RunWatcher.WaitAsync(WatchRunAsync(runId, options, cancellationToken), progress);

    /// <inheritdoc/>
    public IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, RunWatchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunWatcher.WatchAsync((cursor, pageSize, token) => GetRunAsync(runId, cursor, pageSize, token), runId, options, cancellationToken);
    }
}
