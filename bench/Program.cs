using System.Diagnostics;
using Npgsql;
using OrleansAssets.Bench;

// dotnet run -c Release --project bench -- [--quick] [--out DIR] [--postgres CONNECTION] [--only dev,limit,quartz,hangfire]
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
    Ratios.Ours = dev.IndependentAssetsPerSecond;
}
else
{
    report.Add(Row.NotMeasured("OrleansAssets", "dev-mode scenarios", "dev (1 silo, in-memory)", "left out with --only"));
}

report.Add(Row.NotMeasured("OrleansAssets", "every scenario on the Postgres cluster (3 silos as scripts/cluster starts them)", "cluster (Postgres)", "not written yet; with it, commits per step from pg_stat_database"));
report.Add(Row.NotMeasured("Micro-measurements", "selection resolve, planning, a grain hop, serialization (BenchmarkDotNet)", "in-process", "not written yet"));

var needsPostgres = Wanted("limit") || Wanted("quartz") || Wanted("hangfire");
PostgresServer? postgres = needsPostgres ? await PostgresServer.EnsureAsync(Option("--postgres")) : null;
try
{
    if (postgres is not null)
    {
        report.Versions["PostgreSQL"] = await postgres.VersionAsync();
        report.Settings["postgres"] = postgres.Describe() + "; " + await postgres.SettingsAsync();
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

Ratios.AddTo(report, sizes);

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
    public sealed record Sizes(int Independent, int Chain, int SubmitRuns, int Rows, int Jobs, int Repetitions, int PeerRepetitions)
    {
        public static Sizes Full { get; } = new(10_000, 1_000, 200, 10_000, 10_000, 3, 1);

        public static Sizes Quick { get; } = new(200, 50, 20, 500, 200, 1, 1);
    }

    /// <summary>Our figure against each other figure of the same run.</summary>
    public static class Ratios
    {
        public static double Ours { get; set; } = double.NaN;

        public static Dictionary<string, double> Limit { get; set; } = [];

        public static double Quartz { get; set; } = double.NaN;

        public static double Hangfire { get; set; } = double.NaN;

        public static void AddTo(Report report, Sizes sizes)
        {
            var against = Limit.Select(l => (Name: "raw upsert, " + l.Key, Rate: l.Value))
                .Append(("Quartz.NET, clustered AdoJobStore", Quartz))
                .Append(("Hangfire + Hangfire.PostgreSql", Hangfire));
            foreach (var (name, rate) in against)
            {
                var measured = !double.IsNaN(Ours) && !double.IsNaN(rate) && rate > 0;
                report.Add(new Row
                {
                    Group = "Ratios",
                    Scenario = $"{sizes.Independent:N0} independent assets in one run vs {name}",
                    Mode = "dev mode vs Postgres",
                    Value = measured ? Ours / rate : null,
                    Unit = "x",
                    Notes = measured
                        ? $"{Report.Format(Ours)} assets/s / {Report.Format(rate)} per s; ours is in-memory dev mode, so this is not yet the like-for-like ratio the issue asks (ours on the Postgres cluster)"
                        : "not measured yet: one of the two figures is missing",
                });
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
