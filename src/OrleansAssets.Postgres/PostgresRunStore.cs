using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansAssets.Assets;
using OrleansAssets.Events;
using OrleansAssets.Runs;
using OrleansAssets.Storage;

namespace OrleansAssets.Postgres;

/// <summary>
/// The run storage on Postgres. Writes from every grain of the silo go through one queue: while a commit is in
/// flight the next writes gather, and each batch is one call of <c>oa_append</c>, one transaction, one commit.
/// Every caller's task completes only once its write is committed, so batching costs no durability.
/// </summary>
public sealed partial class PostgresRunStore : IRunStore, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly NpgsqlDataSource _db;
    private readonly PostgresStorageOptions _options;
    private readonly ILogger<PostgresRunStore> _logger;
    /// <summary>How long a write that nobody awaits may wait for a durable one to share its commit.</summary>
    private static readonly TimeSpan SoonWindow = TimeSpan.FromMilliseconds(250);

    // Not SingleReader: the writer keeps one wait pending while it lingers for a durable write.
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    // Asset state reads that arrive together (a run's steps activating their asset grains) share one query.
    private readonly Channel<PendingStateRead> _stateReads = Channel.CreateUnbounded<PendingStateRead>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _stateReader;
    private long _commits;
    private long _writes;
    private long _queued;

    private readonly RunEventFeed? _feed;

    public PostgresRunStore(PostgresDataSource db, IOptions<PostgresStorageOptions> options, ILogger<PostgresRunStore> logger, RunEventFeed? feed = null)
    {
        _feed = feed;
        _db = db.Source;
        _options = options.Value;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
        _stateReader = Task.Run(StateReadLoopAsync);
    }

    /// <summary>Commits and writes so far, for measuring the write path.</summary>
    public (long Commits, long Writes) Counters => (Interlocked.Read(ref _commits), Interlocked.Read(ref _writes));

    public Task<RunWriteResult> AppendAsync(RunWrite write, CancellationToken cancellationToken = default) => Enqueue(write, soon: false);

    public Task<RunWriteResult> AppendSoon(RunWrite write) => Enqueue(write, soon: true);

    /// <remarks>
    /// Every step activates its asset grain, and each activation reads its state: one query per activation was a
    /// round trip (and a transaction) per step of a cold run. Reads queue here instead, and the reads that arrive
    /// while one query is out go together in the next, so a lone read waits for nothing and many cost a few queries.
    /// </remarks>
    public Task<StoredAssetState?> GetAssetStateAsync(string assetKey, CancellationToken cancellationToken = default)
    {
        var pending = new PendingStateRead(assetKey, new TaskCompletionSource<StoredAssetState?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_stateReads.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresRunStore), "The run storage is shutting down.");
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task StateReadLoopAsync()
    {
        var reader = _stateReads.Reader;
        var batch = new List<PendingStateRead>();
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxStateReadsPerQuery && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var keys = batch.Select(p => p.AssetKey).Distinct(StringComparer.Ordinal).ToArray();
                var found = await ReadAsync(() => ReadAssetStatesAsync(keys));
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult(found.GetValueOrDefault(pending.AssetKey));
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }
            }

            batch.Clear();
        }
    }

    private const int MaxStateReadsPerQuery = 1_000;

    private async Task<Dictionary<string, StoredAssetState>> ReadAssetStatesAsync(string[] assetKeys)
    {
        await using var command = _db.CreateCommand("select asset_key, state::text, state_version from oa_asset_activity where asset_key = any($1) and state_version is not null");
        command.Parameters.Add(new NpgsqlParameter { Value = assetKeys });
        await using var reader = await command.ExecuteReaderAsync();
        var states = new Dictionary<string, StoredAssetState>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            states[reader.GetString(0)] = new StoredAssetState(JsonSerializer.Deserialize<Assets.AssetGrainState>(reader.GetString(1), Json)!, reader.GetInt32(2));
        }

        return states;
    }

    private Task<RunWriteResult> Enqueue(RunWrite write, bool soon)
    {
        var pending = new PendingWrite(write, soon, Stopwatch.GetTimestamp(), new TaskCompletionSource<RunWriteResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresRunStore), "The run storage is shutting down.");
        }

        return pending.Done.Task;
    }

    private async Task<RunRecord?> GetRunAsyncCore(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand($"{RunColumns} where run_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
    }

    private async Task<IReadOnlyList<RunRecord>> ListRunsAsyncCore(RunQuery query, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand($"""
            {RunColumns}
            where (cardinality($1::text[]) = 0 or status = any($1))
              and ($2::timestamptz is null or created_at < $2 or (created_at = $2 and $5::uuid is not null and run_id < $5))
              and tags @> $4::jsonb
              and ($6::text is null or $6 = any(asset_keys))
            order by created_at desc, run_id desc limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = query.Statuses.Select(Word).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.CreatedBefore ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(query.Tags, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.AssetKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadRun(reader));
        }

        return runs;
    }

    private async Task<IReadOnlyList<RunEvent>> GetEventsAsyncCore(Guid runId, long afterSequence, int limit, bool includeLogs, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand("""
            select seq, ts, type, asset_key, message, level, attempt, duration_ms, data_version, will_retry, metadata::text, error::text, silo
            from oa_events
            where run_id = $1 and seq > $2 and ($3 or type <> 'log')
            order by seq limit $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = includeLogs });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<RunEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new RunEvent
            {
                RunId = runId,
                Sequence = reader.GetInt64(0),
                Timestamp = reader.GetFieldValue<DateTimeOffset>(1),
                Type = Enum.Parse<RunEventType>(reader.GetString(2), ignoreCase: true),
                AssetKey = reader.IsDBNull(3) ? null : reader.GetString(3),
                Message = reader.IsDBNull(4) ? null : reader.GetString(4),
                Level = reader.IsDBNull(5) ? null : Enum.Parse<LogLevel>(reader.GetString(5), ignoreCase: true),
                Attempt = reader.IsDBNull(6) ? null : reader.GetInt32(6),
                DurationMs = reader.IsDBNull(7) ? null : reader.GetDouble(7),
                DataVersion = reader.IsDBNull(8) ? null : reader.GetString(8),
                WillRetry = reader.GetBoolean(9),
                Metadata = reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<Dictionary<string, MetadataValue>>(reader.GetString(10), Json),
                Error = reader.IsDBNull(11) ? null : JsonSerializer.Deserialize<StepError>(reader.GetString(11), Json),
                Silo = reader.IsDBNull(12) ? null : reader.GetString(12),
            });
        }

        return events;
    }

    private async Task<IReadOnlyList<StepSummary>> GetStepsAsyncCore(Guid runId, string? assetKey, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand("""
            select asset_key, status, attempt, silo, started_at, ended_at, duration_ms, error::text
            from oa_steps where run_id = $1 and ($2::text is null or asset_key = $2)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)assetKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var steps = new List<StepSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            steps.Add(new StepSummary
            {
                AssetKey = reader.GetString(0),
                Status = Enum.Parse<StepStatus>(reader.GetString(1), ignoreCase: true),
                Attempts = reader.GetInt32(2),
                Silo = reader.IsDBNull(3) ? null : reader.GetString(3),
                StartedAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                EndedAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                DurationMs = reader.IsDBNull(6) ? null : reader.GetDouble(6),
                Error = reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<StepError>(reader.GetString(7), Json),
            });
        }

        return steps;
    }

    private async Task<IReadOnlyList<MaterializationRecord>> ListMaterializationsAsyncCore(string assetKey, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand("""
            select record::text from oa_materializations
            where asset_key = $1 and ($2::timestamptz is null or ts < $2)
            order by ts desc limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = assetKey });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<MaterializationRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(JsonSerializer.Deserialize<MaterializationRecord>(reader.GetString(0), Json)!);
        }

        return records;
    }

    private async Task<MaterializationRecord?> FindMaterializationAsyncCore(Guid runId, string assetKey, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand("select record::text from oa_materializations where run_id = $1 and asset_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = assetKey });
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<MaterializationRecord>(json, Json) : null;
    }

    private async Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsyncCore(IReadOnlyCollection<string>? assetKeys, bool details, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand(details
            ? """
              select asset_key, latest::text, failure::text, running_in from oa_asset_activity
              where $1::text[] is null or asset_key = any($1)
              """
            : """
              select asset_key,
                     case when latest is not null then json_build_object('assetKey', latest->'assetKey', 'runId', latest->'runId', 'timestamp', latest->'timestamp',
                         'dataVersion', latest->'dataVersion', 'consumedUpstream', latest->'consumedUpstream', 'codeLocation', latest->'codeLocation',
                         'codeVersion', latest->'codeVersion', 'upstreamCodeVersions', coalesce(latest->'upstreamCodeVersions', '{}'::json),
                         'reported', coalesce(latest->'reported', 'false'::json))::text end,
                     case when failure is not null then json_build_object('runId', failure->'runId', 'timestamp', failure->'timestamp',
                         'error', json_build_object('type', failure->'error'->'type', 'message', failure->'error'->'message'))::text end,
                     running_in
              from oa_asset_activity
              where $1::text[] is null or asset_key = any($1)
              """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)assetKeys?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var activity = new Dictionary<string, AssetActivity>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            activity[key] = new AssetActivity(
                key,
                reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<MaterializationRecord>(reader.GetString(1), Json),
                reader.IsDBNull(2) ? null : JsonSerializer.Deserialize<FailureRecord>(reader.GetString(2), Json),
                reader.IsDBNull(3) ? null : reader.GetGuid(3));
        }

        return activity;
    }

    public Task<RunRecord?> GetRunAsync(Guid runId, CancellationToken cancellationToken = default) =>
        ReadAsync(() => GetRunAsyncCore(runId, cancellationToken));

    public Task<IReadOnlyList<RunRecord>> GetUnfinishedRunsAsync(CancellationToken cancellationToken = default) => ReadAsync<IReadOnlyList<RunRecord>>(async () =>
    {
        await using var command = _db.CreateCommand($"{RunColumns} where status in ('queued', 'started') order by priority desc, created_at, run_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadRun(reader));
        }

        return runs;
    });

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default) =>
        ReadAsync(() => ListRunsAsyncCore(query, cancellationToken));

    public Task<IReadOnlyList<RunEvent>> GetEventsAsync(Guid runId, long afterSequence, int limit, bool includeLogs = true, CancellationToken cancellationToken = default) =>
        ReadAsync(() => GetEventsAsyncCore(runId, afterSequence, limit, includeLogs, cancellationToken));

    public Task<IReadOnlyList<StepSummary>> GetStepsAsync(Guid runId, CancellationToken cancellationToken = default) =>
        ReadAsync(() => GetStepsAsyncCore(runId, null, cancellationToken));

    public async Task<StepSummary?> GetStepAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default) =>
        (await ReadAsync(() => GetStepsAsyncCore(runId, assetKey, cancellationToken))).FirstOrDefault();

    public Task<IReadOnlyList<MaterializationRecord>> ListMaterializationsAsync(string assetKey, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync(() => ListMaterializationsAsyncCore(assetKey, before, limit, cancellationToken));

    public Task<MaterializationRecord?> FindMaterializationAsync(Guid runId, string assetKey, CancellationToken cancellationToken = default) =>
        ReadAsync(() => FindMaterializationAsyncCore(runId, assetKey, cancellationToken));

    public Task<IReadOnlyDictionary<string, AssetActivity>> GetActivityAsync(IReadOnlyCollection<string>? assetKeys, CancellationToken cancellationToken = default, bool details = true) =>
        ReadAsync(() => GetActivityAsyncCore(assetKeys, details, cancellationToken));

    public Task<Guid?> FindRunByKeyAsync(string runKey, CancellationToken cancellationToken = default) => ReadAsync<Guid?>(async () =>
    {
        await using var command = _db.CreateCommand("select run_id from oa_run_keys where run_key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = runKey });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid run ? run : null;
    });

    public Task<AutomationState?> GetAutomationStateAsync(string kind, string name, CancellationToken cancellationToken = default) => ReadAsync(async () =>
    {
        await using var command = _db.CreateCommand("select status, cursor, started_at from oa_automation_state where kind = $1 and name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AutomationState(
                reader.IsDBNull(0) ? null : Enum.Parse<Automation.AutomationStatus>(reader.GetString(0), ignoreCase: true),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    });

    public Task<IReadOnlyDictionary<string, AutomationListing>> ListAutomationAsync(string kind, CancellationToken cancellationToken = default) => ReadAsync<IReadOnlyDictionary<string, AutomationListing>>(async () =>
    {
        await using var command = _db.CreateCommand("""
            with st as (select name, status, cursor, started_at from oa_automation_state where kind = $1),
                 tk as (select distinct on (name) name, at, status, run_ids, message, cursor, recorded_at
                        from oa_ticks where kind = $1 order by name, at desc)
            select name, st.status, st.cursor, st.started_at, st.name is not null,
                   tk.at, tk.status, tk.run_ids, tk.message, tk.cursor, tk.recorded_at
            from st full join tk using (name)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var listing = new Dictionary<string, AutomationListing>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            var state = reader.GetBoolean(4)
                ? new AutomationState(
                    reader.IsDBNull(1) ? null : Enum.Parse<Automation.AutomationStatus>(reader.GetString(1), ignoreCase: true),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3))
                : null;
            var tick = reader.IsDBNull(5)
                ? null
                : new Automation.TickRecord
                {
                    Name = name,
                    At = reader.GetFieldValue<DateTimeOffset>(5),
                    Status = Enum.Parse<Automation.TickStatus>(reader.GetString(6), ignoreCase: true),
                    RunIds = [.. reader.GetFieldValue<Guid[]>(7)],
                    Message = reader.IsDBNull(8) ? null : reader.GetString(8),
                    Cursor = reader.IsDBNull(9) ? null : reader.GetString(9),
                    RecordedAt = reader.GetFieldValue<DateTimeOffset>(10),
                };
            listing[name] = new AutomationListing(state, tick);
        }

        return listing;
    });

    public Task<IReadOnlyList<Automation.TickRecord>> ListTicksAsync(string kind, string name, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default) => ReadAsync<IReadOnlyList<Automation.TickRecord>>(async () =>
    {
        await using var command = _db.CreateCommand("""
            select at, status, run_ids, message, cursor, recorded_at from oa_ticks
            where kind = $1 and name = $2 and ($3::timestamptz is null or at < $3)
            order by at desc limit $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ticks = new List<Automation.TickRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ticks.Add(new Automation.TickRecord
            {
                Name = name,
                At = reader.GetFieldValue<DateTimeOffset>(0),
                Status = Enum.Parse<Automation.TickStatus>(reader.GetString(1), ignoreCase: true),
                RunIds = [.. reader.GetFieldValue<Guid[]>(2)],
                Message = reader.IsDBNull(3) ? null : reader.GetString(3),
                Cursor = reader.IsDBNull(4) ? null : reader.GetString(4),
                RecordedAt = reader.GetFieldValue<DateTimeOffset>(5),
            });
        }

        return ticks;
    });

    /// <summary>Deletes the events of runs that ended before <paramref name="cutoff"/>, a bounded slice at a time; returns how many.</summary>
    public async Task<long> DeleteEventsOfRunsEndedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        long total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var command = _db.CreateCommand("""
                delete from oa_events where ctid in (
                    select e.ctid from oa_events e join oa_runs r using (run_id)
                    where r.ended_at < $1 limit 10000)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < 10000)
            {
                break;
            }
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        // The container may hold this instance under two registrations and dispose it twice.
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        _stateReads.Writer.TryComplete();

        // Let queued writes land before the silo goes; while the database is away they cannot, and say so.
        await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stateReader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private const string RunColumns = "select run_id, status, selection, asset_keys, tags::text, created_at, started_at, ended_at, error, priority, cancel_requested_by, job, ops, config::text, run_key from oa_runs";

    private static RunRecord ReadRun(NpgsqlDataReader reader) => new()
    {
        RunId = reader.GetGuid(0),
        Status = Enum.Parse<RunStatus>(reader.GetString(1), ignoreCase: true),
        Selection = reader.GetString(2),
        AssetKeys = [.. reader.GetFieldValue<string[]>(3)],
        Tags = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4), Json) ?? [],
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
        StartedAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        EndedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        Error = reader.IsDBNull(8) ? null : reader.GetString(8),
        Priority = reader.GetInt32(9),
        CancelRequestedBy = reader.IsDBNull(10) ? null : reader.GetString(10),
        Job = reader.IsDBNull(11) ? null : reader.GetString(11),
        Ops = [.. reader.GetFieldValue<string[]>(12)],
        Config = reader.IsDBNull(13) ? null : reader.GetString(13),
        RunKey = reader.IsDBNull(14) ? null : reader.GetString(14),
    };

    private static string Word(RunStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    /// <summary>Npgsql's exceptions cannot cross a grain call; callers get one that can, with the database's message.</summary>
    /// <remarks>
    /// A transient failure is tried again twice, quickly: after a database restart every pooled connection fails
    /// once (57P01) before the pool opens fresh ones, and a reader should not see that.
    /// </remarks>
    private async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (NpgsqlException e) when (attempt < 3 && IsTransient(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
            catch (NpgsqlException e)
            {
                LogReadFailed(_logger, e);
                throw Unavailable(e);
            }
        }
    }

    private static StorageUnavailableException Unavailable(Exception e) =>
        new($"The run storage on Postgres failed: {(e is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : e.Message)}");

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(_options.MaxWritesPerCommit);
        var reader = _queue.Reader;
        Task<bool>? more = null;
        while (batch.Count > 0 || await (more ?? reader.WaitToReadAsync().AsTask()))
        {
            more = null;
            Drain(reader, batch);

            // Writes nobody awaits wait a little for a durable one (a step's outcome) to share its commit.
            while (batch.Count is > 0 && batch.Count < _options.MaxWritesPerCommit && batch.TrueForAll(p => p.Soon))
            {
                var left = SoonWindow - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(left)) != more || !await more)
                {
                    break;
                }

                more = null;
                Drain(reader, batch);
            }

            await CommitWithRetriesAsync(batch, reader);
            if (_stopping.IsCancellationRequested)
            {
                Abandon(batch, reader);
                return;
            }
        }
    }

    private void Drain(ChannelReader<PendingWrite> reader, List<PendingWrite> batch)
    {
        while (batch.Count < _options.MaxWritesPerCommit && reader.TryRead(out var pending))
        {
            batch.Add(pending);
        }
    }

    /// <summary>
    /// Commits the batch, retrying while the database is away. A durable write fails to its caller once it has
    /// waited <see cref="PostgresStorageOptions.WriteRetryTimeout"/>; a write nobody awaits is never given up:
    /// it stays in the batch, writes that arrive meanwhile join it, and all land when the database is back.
    /// </summary>
    private async Task CommitWithRetriesAsync(List<PendingWrite> batch, ChannelReader<PendingWrite> reader)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (batch.Count > 0 && !_stopping.IsCancellationRequested)
        {
            try
            {
                var results = await CommitAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    Complete(batch[i], results[i]);
                    if (results[i] is { Applied: true, FirstSequence: { } first } && _feed is not null)
                    {
                        _feed.Committed(batch[i].Write.Events.Select((e, n) => e with { Sequence = first + n }));
                    }
                }

                batch.Clear();
                return;
            }
            catch (Exception e) when (IsTransient(e))
            {
                var failure = Unavailable(e);
                var expired = batch.RemoveAll(p =>
                {
                    if (p.Soon || Stopwatch.GetElapsedTime(p.EnqueuedAt) < _options.WriteRetryTimeout)
                    {
                        return false;
                    }

                    Fail(p, failure);
                    return true;
                });
                LogRetrying(_logger, e, batch.Count, expired, delay);
                try
                {
                    await Task.Delay(delay, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 2));

                // Take every write waiting, not just a commit's worth: a durable one must be able to time out too.
                while (reader.TryRead(out var waiting))
                {
                    batch.Add(waiting);
                }
            }
            catch (PostgresException e) when (e.SqlState == AssetStateConflict && batch.Count == 1)
            {
                Fail(batch[0], new AssetStateConflictException(e.MessageText));
                batch.Clear();
                return;
            }
            catch (PostgresException e) when (batch.Count > 1)
            {
                // One bad or conflicting write must not fail the others that shared its commit, and which one it
                // was is not known: commit them one by one.
                LogIsolating(_logger, e, batch.Count);
                var alone = new List<PendingWrite>(1);
                foreach (var pending in batch)
                {
                    alone.Add(pending);
                    await CommitWithRetriesAsync(alone, reader);
                    alone.Clear();
                }

                batch.Clear();
                return;
            }
            catch (Exception e)
            {
                // Not an outage: this write can never succeed; retrying it would block every other write.
                LogWriteFailed(_logger, e, batch.Count);
                foreach (var pending in batch)
                {
                    Fail(pending, e is NpgsqlException ? Unavailable(e) : e);
                }

                batch.Clear();
                return;
            }
        }
    }

    private void Abandon(List<PendingWrite> batch, ChannelReader<PendingWrite> reader)
    {
        while (reader.TryRead(out var pending))
        {
            batch.Add(pending);
        }

        if (batch.Count > 0)
        {
            LogAbandoned(_logger, batch.Count, batch.Count(p => p.Soon));
            var failure = new StorageUnavailableException("The silo stopped before the run storage on Postgres could store this write.");
            foreach (var pending in batch)
            {
                Fail(pending, failure);
            }

            batch.Clear();
        }
    }

    private void Complete(PendingWrite pending, RunWriteResult result)
    {
        Interlocked.Decrement(ref _queued);
        pending.Done.TrySetResult(result);
    }

    private void Fail(PendingWrite pending, Exception failure)
    {
        Interlocked.Decrement(ref _queued);
        pending.Done.TrySetException(failure);
    }

    /// <summary>Writes taken and not yet committed (or failed), for tests and diagnostics.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    private async Task<RunWriteResult[]> CommitAsync(List<PendingWrite> batch)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(batch.Select(p => WriteDocument.From(p.Write)), Json);
        await using var command = _db.CreateCommand("select write_index, applied, state_version, first_seq from oa_append($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Json });
        var results = new RunWriteResult[batch.Count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                results[reader.GetInt32(0)] = new RunWriteResult(reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
            }
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, batch.Count);
        return results;
    }

    private static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
            || p.SqlState is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01",
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The SQLSTATE oa_append raises when an asset state's expected version is not the stored one.</summary>
    private const string AssetStateConflict = "OAS01";

    private sealed record PendingStateRead(string AssetKey, TaskCompletionSource<StoredAssetState?> Done);

    private sealed record PendingWrite(RunWrite Write, bool Soon, long EnqueuedAt, TaskCompletionSource<RunWriteResult> Done);

    /// <summary>The JSON shape <c>oa_append</c> reads: a write with its events, run record, step and asset records.</summary>
    private sealed record WriteDocument(
        Guid RunId,
        RunRecord? Run,
        IReadOnlyList<EventDocument> Events,
        StepWrite? Step,
        AssetDocument<MaterializationRecord>? Materialization,
        AssetDocument<FailureRecord>? Failure,
        AssetStateWrite? AssetState,
        string? RunKey,
        TickWrite? Tick,
        AutomationWrite? Automation)
    {
        public static WriteDocument From(RunWrite write) => new(
            write.RunId,
            write.Run,
            write.Events.Select(EventDocument.From).ToList(),
            write.Step,
            write.Materialization is { } m ? new(m.AssetKey, m.Timestamp, m) : null,
            write.Step is { Transition: StepTransition.Failed } failed
                ? new(failed.AssetKey, failed.Timestamp, new FailureRecord { RunId = write.RunId, Timestamp = failed.Timestamp, Error = failed.Error ?? new StepError { Type = "Unknown", Message = "failed" } })
                : null,
            write.AssetState,
            write.RunKey,
            write.Tick,
            write.Automation);
    }

    private sealed record AssetDocument<T>(string AssetKey, DateTimeOffset Ts, T Record);

    private sealed record EventDocument(
        DateTimeOffset Ts,
        RunEventType Type,
        string? AssetKey,
        string? Message,
        LogLevel? Level,
        int? Attempt,
        double? DurationMs,
        string? DataVersion,
        bool WillRetry,
        Dictionary<string, MetadataValue>? Metadata,
        StepError? Error,
        string? Silo)
    {
        public static EventDocument From(RunEvent e) =>
            new(e.Timestamp, e.Type, e.AssetKey, e.Message, e.Level, e.Attempt, e.DurationMs, e.DataVersion, e.WillRetry, e.Metadata, e.Error, e.Silo);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Postgres refused a commit of {Count} write(s) ({Expired} given up after the write retry timeout); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int count, int expired, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "The silo stopped with {Count} write(s) not stored ({Soon} nobody waited for): the run storage on Postgres stayed away")]
    private static partial void LogAbandoned(ILogger logger, int count, int soon);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A read of the run storage failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A commit of {Count} write(s) failed; their callers see the error")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A commit of {Count} writes failed; committing them one by one to find the bad one")]
    private static partial void LogIsolating(ILogger logger, Exception exception, int count);
}

/// <summary>The data source of OrleansAssets' own tables, kept apart from any the host registers for itself.</summary>
public sealed class PostgresDataSource(NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = source;

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
