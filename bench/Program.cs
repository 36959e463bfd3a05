using System.Diagnostics;
using Npgsql;
using OrleansAssets.Bench;

// dotnet run -c Release --project bench -- [--quick] [--out DIR] [--postgres CONNECTION] [--only dev,micro,cluster,limit,quartz,hangfire]
//   [--quartz-sql FILE]
var quick = args.Contains("--quick");
var outDir = Option("--out") ?? Path.Combine(RepoRoot() ?? ".", "bench", "results");
var only = Option("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
var sizes = quick ? Sizes.Quick : Sizes.Full;
var report = new Report();
var total = Stopwatch.StartNew();

report.Settings["load average at start"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
report.Settings["sizes"] = $"{(quick ? "--quick" : "full")}: {sizes}";
report.Versions["OrleansAssets.Runtime"] = Report.VersionOf(typeof(OrleansAssets.Hosting.OrleansAssetsOptions).Assembly);
report.Versions["Microsoft.Orleans"] = Report.VersionOf(typeof(Orleans.IGrainFactory).Assembly);
report.Versions["Npgsql"] = Report.VersionOf(typeof(NpgsqlConnection).Assembly);
report.Versions[".NET"] = Environment.Version.ToString();

bool Wanted(string part) => only is null || only.Contains(part);

if (Wanted("dev"))
{
    await using var dev = new DevMode(sizes, report);
    await dev.StartAsync();
    await dev.RunAsync();
    Ratios.Ours.Add(($"{sizes.Independent:N0} independent assets in one run", DevMode.Mode, dev.Scenarios!.IndependentAssetsPerSecond));
    Ratios.Ours.Add(($"{sizes.SingleRuns:N0} single-asset runs", DevMode.Mode, dev.Scenarios.SingleRunsPerSecond));
}
else
{
    report.Add(Row.NotMeasured("OrleansAssets", "dev-mode scenarios", DevMode.Mode, "left out with --only"));
}

if (Wanted("dev"))
{
    // The in-process test cluster has no HTTP gateway and shares the bench's process: the API and RSS of dev mode come
    // from the silo as README's first command runs it, once the in-process silo is gone.
    await using var devProcess = new DevProcess(sizes, report);
    await devProcess.RunAsync();
}

// BenchmarkDotNet in a child process (bench/Micro.cs): after the dev-mode silo is gone, before Postgres is used.
await new Micro(quick, report).RunAsync(Wanted("micro"));

var needsPostgres = Wanted("cluster") || Wanted("limit") || Wanted("quartz") || Wanted("hangfire");
PostgresServer? postgres = needsPostgres ? await PostgresServer.EnsureAsync(Option("--postgres")) : null;
try
{
    if (postgres is not null)
    {
        report.Versions["PostgreSQL"] = await postgres.VersionAsync();
        report.Settings["postgres"] = postgres.Describe() + "; " + await postgres.SettingsAsync();
    }

    if (Wanted("cluster") && postgres is not null)
    {
        await using var cluster = new ClusterMode(sizes, report, postgres.ConnectionString, quick);
        try
        {
            await cluster.StartAsync();
            await cluster.RunAsync();
            Ratios.Ours.Insert(0, ($"{sizes.Independent:N0} independent assets in one run", ClusterMode.Mode, cluster.Scenarios!.IndependentAssetsPerSecond));
            Ratios.Ours.Insert(1, ($"{sizes.SingleRuns:N0} single-asset runs", ClusterMode.Mode, cluster.Scenarios.SingleRunsPerSecond));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The parts after this one still run; the row says why the cluster's figures are missing.
            Console.Error.WriteLine($"bench: the cluster part failed: {e}");
            report.Add(Row.NotMeasured("OrleansAssets", "every scenario on the Postgres cluster", ClusterMode.Mode, e.Message.Split('\n')[0]));
        }
    }
    else if (!Wanted("cluster"))
    {
        report.Add(Row.NotMeasured("OrleansAssets", "every scenario on the Postgres cluster", ClusterMode.Mode, "left out with --only"));
    }

    if (Wanted("limit") && postgres is not null)
    {
        var limit = new PostgresLimit(sizes, report, postgres.ConnectionString);
        await limit.RunAsync();
        Ratios.Limit = limit.RowsPerSecond;
    }

    if (Wanted("quartz") && postgres is not null)
    {
        Ratios.Quartz = await new QuartzPeer(sizes, report, postgres.ConnectionString, Option("--quartz-sql")).RunAsync();
    }

    if (Wanted("hangfire") && postgres is not null)
    {
        Ratios.Hangfire = await new HangfirePeer(sizes, report, postgres.ConnectionString).RunAsync();
    }
}
finally
{
    if (postgres is not null)
    {
        await postgres.DisposeAsync();
    }
}

Ratios.AddTo(report);

var elapsed = total.Elapsed;
Directory.CreateDirectory(outDir);
var markdown = report.Markdown(elapsed);
await File.WriteAllTextAsync(Path.Combine(outDir, "latest.md"), markdown);
await File.WriteAllTextAsync(Path.Combine(outDir, "latest.json"), report.Json(elapsed));
Console.WriteLine(markdown);
Console.Error.WriteLine($"bench: wrote {Path.Combine(outDir, "latest.md")} and latest.json in {elapsed.TotalSeconds:F0} s");
return 0;

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static string? RepoRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "OrleansAssets.sln")))
        {
            return dir.FullName;
        }
    }

    return null;
}

namespace OrleansAssets.Bench
{
    public sealed record Sizes(
        int Independent, int Chain, int Layers, int LayerWidth, int SingleRuns, int SubmitRuns, int SensorReactions, int ApiCalls,
        int Rows, int Jobs, int Repetitions, int ClusterRepetitions, int PeerRepetitions)
    {
        public static Sizes Full { get; } = new(10_000, 1_000, 100, 100, 10_000, 200, 50, 20, 10_000, 10_000, 3, 1, 1);

        public static Sizes Quick { get; } = new(100, 20, 4, 10, 100, 10, 3, 3, 500, 200, 1, 1, 1);

        /// <summary>The bench location's sizes, as configuration (Bench:Independent ...), for the silo in-process or the silo processes.</summary>
        public Dictionary<string, string?> LocationSettings() => new()
        {
            ["Bench:Independent"] = Independent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bench:Chain"] = Chain.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bench:Layers"] = Layers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bench:LayerWidth"] = LayerWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Our figures against each other figure of the same run: ours on the cluster first (like for like: Postgres on both sides), then dev mode.</summary>
    public static class Ratios
    {
        public static List<(string Scenario, string Mode, double Rate)> Ours { get; } = [];

        public static Dictionary<string, double> Limit { get; set; } = [];

        public static double Quartz { get; set; } = double.NaN;

        public static double Hangfire { get; set; } = double.NaN;

        public static void AddTo(Report report)
        {
            var against = Limit.Select(l => (Name: "raw upsert, " + l.Key, Rate: l.Value))
                .Append(("Quartz.NET, clustered AdoJobStore", Quartz))
                .Append(("Hangfire + Hangfire.PostgreSql", Hangfire));
            foreach (var (scenario, mode, ours) in Ours)
            {
                var onCluster = mode == ClusterMode.Mode;
                foreach (var (name, rate) in against)
                {
                    var measured = !double.IsNaN(ours) && !double.IsNaN(rate) && rate > 0;
                    report.Add(new Row
                    {
                        Group = onCluster ? "Ratios (like for like: ours on the Postgres cluster)" : "Ratios (dev mode, in-memory, against Postgres: not like for like)",
                        Scenario = $"{scenario} vs {name}",
                        Mode = onCluster ? "cluster vs Postgres" : "dev mode vs Postgres",
                        Value = measured ? ours / rate : null,
                        Unit = "x",
                        Notes = measured
                            ? $"{Report.Format(ours)} per s / {Report.Format(rate)} per s{(onCluster ? "; every step's state on the same Postgres server" : "; ours keeps its state in memory here")}"
                            : "not measured yet: one of the two figures is missing",
                    });
                }
            }
        }
    }

    /// <summary>The Postgres the bench writes to: --postgres, OA_BENCH_POSTGRES, or the one scripts/postgres ensures.</summary>
    public sealed class PostgresServer : IAsyncDisposable
    {
        private readonly string? _marker;
        private readonly string? _script;

        private PostgresServer(string connectionString, string? script, string? marker)
        {
            ConnectionString = connectionString;
            _script = script;
            _marker = marker;
        }

        public string ConnectionString { get; }

        public static async Task<PostgresServer> EnsureAsync(string? given)
        {
            if ((given ?? Environment.GetEnvironmentVariable("OA_BENCH_POSTGRES")) is { Length: > 0 } configured)
            {
                return new PostgresServer(configured, null, null);
            }

            var script = FindScript() ?? throw new InvalidOperationException("No Postgres given (--postgres or OA_BENCH_POSTGRES) and no scripts/postgres above the working directory to start one.");
            var marker = Path.Combine(Path.GetTempPath(), $"oa-bench-pg-{Environment.ProcessId}.started");
            var (code, output) = await BashAsync(script, $"ensure {marker}");
            if (code != 0)
            {
                throw new InvalidOperationException($"scripts/postgres ensure failed ({code}): {output}");
            }

            Console.Error.WriteLine(File.Exists(marker) ? "bench: started a local Postgres (stopped at the end)" : "bench: using the Postgres that answers already");
            return new PostgresServer(output.Trim().Split('\n')[^1], script, File.Exists(marker) ? marker : null);
        }

        public string Describe()
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"{b.Host}:{b.Port}, user {b.Username}";
        }

        public async Task<string> VersionAsync() => (await ScalarAsync("show server_version"))?.ToString() ?? "?";

        public async Task<string> SettingsAsync()
        {
            var parts = new List<string>();
            foreach (var name in new[] { "fsync", "synchronous_commit", "shared_buffers", "max_connections", "wal_level" })
            {
                parts.Add($"{name}={await ScalarAsync($"show {name}")}");
            }

            return string.Join(", ", parts);
        }

        private async Task<object?> ScalarAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync();
        }

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            if (_marker is not null && _script is not null)
            {
                await BashAsync(_script, $"stop {_marker}");
            }
        }

        private static string? FindScript()
        {
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "scripts", "postgres");
                if (File.Exists(script))
                {
                    return script;
                }
            }

            return null;
        }

        private static async Task<(int Code, string Output)> BashAsync(string script, string arguments)
        {
            using var process = Process.Start(new ProcessStartInfo("bash", $"{script} {arguments}") { RedirectStandardOutput = true })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output);
        }
    }
}
