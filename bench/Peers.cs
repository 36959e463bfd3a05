using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Quartz;

namespace OrleansAssets.Bench;

/// <summary>Counts the peers' no-op jobs as they run and says when the expected number has.</summary>
public static class JobCounter
{
    private static int _done;
    private static int _expected;
    private static TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static Task Reset(int expected)
    {
        _done = 0;
        _expected = expected;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _all.Task;
    }

    public static void Done()
    {
        if (Interlocked.Increment(ref _done) == _expected)
        {
            _all.TrySetResult();
        }
    }

    public static int Count => Volatile.Read(ref _done);
}

public sealed class QuartzNoOpJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        JobCounter.Done();
        return ValueTask.CompletedTask;
    }
}

public static class HangfireNoOp
{
    public static void Run() => JobCounter.Done();
}

/// <summary>
/// Quartz.NET with the clustered ADO.NET job store (JobStoreTX, PostgreSQLDelegate) on a fresh database whose tables
/// come from Quartz's own database/tables/tables_postgres.sql: N no-op jobs scheduled one by one to fire now, while
/// the scheduler runs, timed from the first schedule call to the last job run.
/// </summary>
public sealed class QuartzPeer(Sizes sizes, Report report, string server, string? scriptPath)
{
    private const string Group = "Peers";
    private const string Mode = "Postgres, fresh database";

    public async Task<double> RunAsync()
    {
        var n = sizes.Jobs;
        var (schema, source) = await QuartzSchemaAsync(scriptPath ?? Environment.GetEnvironmentVariable("OA_BENCH_QUARTZ_SQL"));
        await using var database = await FreshDatabase.CreateAsync(server, "quartz");
        foreach (var statement in schema)
        {
            await database.ExecuteAsync(statement);
        }
        report.Settings["quartz"] = "QuartzSchedulerBuilder: InstanceName bench, GenerateInstanceId; UseDefaultThreadPool(maxConcurrency: 10); "
            + "UsePersistentStore: UsePostgres(connection string), UseClustering() (check-in 7.5 s, implies UseDbLocks), UseSystemTextJsonSerializer, StoreJobDataAsStrings = true (3.x UseProperties); "
            + $"tables from {source}";
        report.Versions["Quartz"] = Report.VersionOf(typeof(IJob).Assembly);
        async Task<IScheduler> BuildAsync() => await QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(options =>
            {
                options.InstanceName = "bench";
                options.GenerateInstanceId = true;
            });
            quartz.UseDefaultThreadPool(maxConcurrency: 10);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(database.ConnectionString);
                store.UseClustering(_ => { });
                store.UseSystemTextJsonSerializer(_ => { });
                store.ConfigureStore(options => options.StoreJobDataAsStrings = true);
            });
        }).BuildScheduler();

        var rates = new List<double>();
        var commits = new List<double>();
        await Harness.RepeatAsync($"Quartz {n} jobs", warmups: 0, sizes.PeerRepetitions, async rep =>
        {
            var scheduler = await BuildAsync();
            await scheduler.Clear();
            await scheduler.Start();
            var all = JobCounter.Reset(n);
            var before = await database.CommitsAsync();
            var elapsed = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var job = JobBuilder.Create<QuartzNoOpJob>().WithIdentity($"job_{i}", "bench").Build();
                var trigger = TriggerBuilder.Create().WithIdentity($"trigger_{i}", "bench").StartNow().Build();
                await scheduler.ScheduleJob(job, trigger);
            }

            await WaitAsync(all, n, "Quartz");
            var seconds = elapsed.Elapsed.TotalSeconds;
            await scheduler.Shutdown(waitForJobsToComplete: true);
            commits.Add((await database.CommitsAsync() - before) / (double)n);
            rates.Add(n / seconds);
            return 0;
        });
        var median = Harness.Median(rates);
        report.Add(new Row
        {
            Group = Group,
            Scenario = $"Quartz.NET {Report.VersionOf(typeof(IJob).Assembly)}, clustered AdoJobStore: {n:N0} no-op jobs scheduled one by one",
            Mode = Mode,
            N = n,
            Repetitions = rates.Count,
            Value = median,
            Unit = "jobs/s",
            Notes = $"first ScheduleJob -> last job ran; 10 threads; {Harness.Median(commits):F1} commits/job (pg_stat_database)",
        });
        return median;
    }

    /// <summary>
    /// Quartz's own Postgres schema script: the one embedded in the Quartz package (what its job store runs itself with
    /// SchemaProvisioning.CreateIfMissing; statements split on '--;;', '{0}'/'{1}' the table prefix), or a file given
    /// with --quartz-sql (database/tables/tables_postgres.sql of the quartznet release that matches the package).
    /// </summary>
    private static async Task<(List<string> Statements, string Source)> QuartzSchemaAsync(string? path)
    {
        if (path is not null)
        {
            return ([await File.ReadAllTextAsync(path)], path);
        }

        const string resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";
        await using var stream = typeof(IJob).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The Quartz package has no {resource}; pass --quartz-sql FILE.");
        var text = (await new StreamReader(stream).ReadToEndAsync()).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("{0}", "qrtz_", StringComparison.Ordinal).Replace("{1}", "qrtz_", StringComparison.Ordinal);
        var statements = text.Split("\n--;;", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.Split('\n').Any(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            .ToList();
        return (statements, $"the script embedded in the Quartz package ({resource}, {statements.Count} statements)");
    }

    internal static async Task WaitAsync(Task all, int n, string name)
    {
        var last = -1;
        while (!all.IsCompleted)
        {
            var done = JobCounter.Count;
            if (done == last)
            {
                throw new TimeoutException($"{name}: no job ran for 60 s ({done}/{n} done).");
            }

            last = done;
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
        }
    }
}

/// <summary>
/// Hangfire with Hangfire.PostgreSql on a fresh database (the storage creates its schema), set up as Hangfire's
/// docs recommend (compatibility level 1.8, simple assembly names, recommended serializer settings): N no-op jobs
/// enqueued one by one while a server with 10 workers runs them.
/// </summary>
public sealed class HangfirePeer(Sizes sizes, Report report, string server)
{
    public async Task<double> RunAsync()
    {
        var n = sizes.Jobs;
        await using var database = await FreshDatabase.CreateAsync(server, "hangfire");
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true };
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(c => c.UseNpgsqlConnection(database.ConnectionString), options);
        var serverOptions = new BackgroundJobServerOptions { WorkerCount = 10, Queues = ["default"] };
        report.Settings["hangfire"] = $"CompatibilityLevel.Version_180, UseSimpleAssemblyNameTypeSerializer, UseRecommendedSerializerSettings; PostgreSqlStorageOptions defaults (QueuePollInterval {options.QueuePollInterval}, InvisibilityTimeout {options.InvisibilityTimeout}, UseSlidingInvisibilityTimeout {options.UseSlidingInvisibilityTimeout}, EnableLongPolling {options.EnableLongPolling}); BackgroundJobServer WorkerCount 10";
        report.Versions["Hangfire.Core"] = Report.VersionOf(typeof(BackgroundJob).Assembly);
        report.Versions["Hangfire.PostgreSql"] = Report.VersionOf(typeof(PostgreSqlStorage).Assembly);

        var rates = new List<double>();
        var commits = new List<double>();
        await Harness.RepeatAsync($"Hangfire {n} jobs", warmups: 0, sizes.PeerRepetitions, async _ =>
        {
            var jobServer = new BackgroundJobServer(serverOptions);
            var client = new BackgroundJobClient();
            var all = JobCounter.Reset(n);
            var before = await database.CommitsAsync();
            var elapsed = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                client.Enqueue(() => HangfireNoOp.Run());
            }

            await QuartzPeer.WaitAsync(all, n, "Hangfire");
            var seconds = elapsed.Elapsed.TotalSeconds;
            jobServer.Dispose();
            commits.Add((await database.CommitsAsync() - before) / (double)n);
            rates.Add(n / seconds);
            return 0;
        });
        var median = Harness.Median(rates);
        report.Add(new Row
        {
            Group = "Peers",
            Scenario = $"Hangfire {Report.VersionOf(typeof(BackgroundJob).Assembly)} + Hangfire.PostgreSql {Report.VersionOf(typeof(PostgreSqlStorage).Assembly)}: {n:N0} no-op jobs enqueued one by one",
            Mode = "Postgres, fresh database",
            N = n,
            Repetitions = rates.Count,
            Value = median,
            Unit = "jobs/s",
            Notes = $"first Enqueue -> last job ran; 10 workers; {Harness.Median(commits):F1} commits/job (pg_stat_database, includes the server's own polling)",
        });
        return median;
    }
}
