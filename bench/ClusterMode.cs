using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansAssets.Client;
using OrleansAssets.Cluster;

namespace OrleansAssets.Bench;

/// <summary>
/// The Postgres cluster: 3 processes of silo/ and one of gateway/, started from their build output with the
/// environment scripts/cluster gives them (start_silo, start_gateway), on a fresh database, a cluster id and loopback
/// ports of their own; every silo loads the bench location from its plugin folder. The bench is an SDK client of it
/// (clustering from Postgres, as oa is) and reaches the API through the gateway process.
/// </summary>
public sealed class ClusterMode(Sizes sizes, Report report, string server, bool quick) : IAsyncDisposable
{
    public const string Mode = "cluster (3 silo processes, Postgres)";
    private const int Silos = 3;
    private const int DefaultPoolSize = 10;
    private static readonly List<Process> Started = [];
    private readonly string _work = Directory.CreateTempSubdirectory("oa-bench-cluster-").FullName;
    private readonly string _clusterId = $"bench-{Guid.NewGuid():N}"[..14];
    private readonly Dictionary<string, Process> _processes = [];
    private FreshDatabase? _database;
    private IHost? _clientHost;
    private OrleansAssetsClient _client = null!;
    private Uri _gateway = null!;
    private bool _failed;

    public EndToEnd? Scenarios { get; private set; }

    /// <summary>Idle backends report their commits up to 10 s late (PGSTAT_IDLE_INTERVAL), so a full run waits that out.</summary>
    private TimeSpan Settle => quick ? TimeSpan.FromSeconds(0.3) : TimeSpan.FromSeconds(11);

    static ClusterMode()
    {
        // Ctrl-C or an unhandled failure must not leave silos running on the machine.
        Console.CancelKeyPress += (_, _) => KillAll();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public async Task StartAsync()
    {
        var started = Stopwatch.StartNew();
        var silo = Built("SiloDll", "silo/");
        var gateway = Built("GatewayDll", "gateway/");
        var location = Built("LocationDll", "bench/Location/");
        _database = await FreshDatabase.CreateAsync(server, "cluster");
        Directory.CreateDirectory(Path.Combine(_work, "logs"));
        var ports = FreePorts((2 * Silos) + 1);
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _database.ConnectionString,
            ["OrleansAssets__Cluster__ClusterId"] = _clusterId,
            // Warnings only, as in dev mode: an Information line per step is work in the measured path.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__OrleansAssets"] = "Warning",
            ["Logging__LogLevel__Orleans.Hosting"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (key, value) in sizes.LocationSettings())
        {
            common[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        // The server is shared (another cluster may be running on it): a silo keeps up to 2 pools of
        // OrleansAssets:Postgres:MaxPoolSize (10) connections, and 3 silos at their limit must fit in what is free, or a
        // scenario fails with 53300 (no connection slots) instead of measuring.
        var (free, max) = await FreeConnectionsAsync();
        var perPool = Math.Min(DefaultPoolSize, (free - 20) / (2 * Silos));
        if (perPool < 2)
        {
            throw new InvalidOperationException($"Postgres has {free} of its {max} connections free; the cluster needs about {(2 * Silos * DefaultPoolSize) + 20}. Stop what else uses it, or raise max_connections.");
        }

        if (perPool < DefaultPoolSize)
        {
            common["OrleansAssets__Postgres__MaxPoolSize"] = perPool.ToString(CultureInfo.InvariantCulture);
        }

        report.Settings["cluster.connections"] = $"{free} of Postgres' {max} connections for ordinary users free at the cluster's start; OrleansAssets:Postgres:MaxPoolSize {perPool}{(perPool < DefaultPoolSize ? $" (lowered from the default {DefaultPoolSize} so 3 silos at their limit fit in what is free)" : " (the default)")}";

        for (var i = 0; i < Silos; i++)
        {
            Start($"bench-{i + 1}", silo, new Dictionary<string, string>(common)
            {
                ["OrleansAssets__Cluster__AdvertisedAddress"] = "127.0.0.1",
                ["OrleansAssets__Cluster__SiloPort"] = ports[2 * i].ToString(CultureInfo.InvariantCulture),
                ["OrleansAssets__Cluster__GatewayPort"] = ports[(2 * i) + 1].ToString(CultureInfo.InvariantCulture),
                ["OrleansAssets__Cluster__SiloName"] = $"bench-{i + 1}",
                ["OrleansAssets__CodeLocations__0__Assembly"] = location,
                ["OrleansAssets__IOManager__Root"] = Path.Combine(_work, "storage"),
            });
        }

        await ConnectAsync(TimeSpan.FromMinutes(quick ? 2 : 5));
        var silosUp = started.Elapsed;
        var http = ports[^1];
        Start("gateway", gateway, new Dictionary<string, string>(common) { ["OrleansAssets__Gateway__Port"] = http.ToString(CultureInfo.InvariantCulture) });
        _gateway = new Uri($"http://127.0.0.1:{http}");
        await WaitReadyAsync(TimeSpan.FromMinutes(2));
        report.Settings["cluster"] = $"{Silos} processes of {Path.GetFileName(silo)} and one of {Path.GetFileName(gateway)} from their build output, the environment of scripts/cluster's start_silo/start_gateway (ConnectionStrings__Postgres, OrleansAssets__Cluster__ClusterId/AdvertisedAddress 127.0.0.1/SiloPort/GatewayPort/SiloName, OrleansAssets__CodeLocations__0__Assembly = the bench location's own build output, IOManager root in a temp folder); a fresh database on the bench's Postgres; OrleansAssets defaults otherwise; logging at Warning (Logging__LogLevel__Default/OrleansAssets/Orleans.Hosting/Microsoft.Hosting.Lifetime) in every process, to a file each; the bench is an SDK client (AddOrleansAssetsClient, clustering from Postgres); silos active in {silosUp.TotalSeconds:F0} s, gateway ready in {started.Elapsed.TotalSeconds:F0} s";
        report.Settings["cluster.commits"] = $"xact_commit of pg_stat_database for the cluster's database, read before and after each scenario's measured repetitions after waiting {Settle.TotalSeconds:F1} s for backends to report{(quick ? " (--quick: no warm-ups on the cluster, and a wait shorter than Postgres' 10 s idle report interval, so it may undercount)" : " (Postgres' idle backends report within 10 s)")}";
        Console.Error.WriteLine($"bench: cluster {_clusterId} up in {started.Elapsed.TotalSeconds:F1} s (logs in {Path.Combine(_work, "logs")})");
    }

    public async Task RunAsync()
    {
        try
        {
            Scenarios = new EndToEnd(sizes, report, _client, Mode, sizes.ClusterRepetitions, warmUp: !quick, () => _database!.CommitsAsync(Settle), Exited);
            await Scenarios.RunAllAsync();
            await ApiAsync();
            Memory();
        }
        catch
        {
            _failed = true;
            throw;
        }

        if (Scenarios.Failures > 0 || _processes.Values.Any(p => p.HasExited))
        {
            _failed = true;
        }
    }

    private Task ApiAsync() => ApiAsync(sizes, report, _gateway!, Mode, "the gateway process, after the scenarios above", Exited);

    /// <summary>The API calls the dashboard makes at scale, timed one at a time through <paramref name="gateway"/>.</summary>
    internal static async Task ApiAsync(Sizes sizes, Report report, Uri gateway, string mode, string through, Func<string?> exited)
    {
        var catalog = sizes.Independent + sizes.Chain + (sizes.Layers * sizes.LayerWidth) + 3;
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromMinutes(2) };
        foreach (var (path, what, n, target) in new[]
        {
            ("/api/v1/lineage", $"GET /api/v1/lineage: the whole catalog ({catalog:N0} assets)", catalog, "target < 500 ms for 10,000 assets"),
            ("/api/v1/lineage?select=group:layered", $"GET /api/v1/lineage?select=group:layered ({sizes.Layers * sizes.LayerWidth:N0} assets)", sizes.Layers * sizes.LayerWidth, "target < 500 ms for 10,000 assets"),
            ("/api/v1/assets?limit=1000", $"GET /api/v1/assets?limit=1000 (first page of {catalog:N0})", Math.Min(1000, catalog), "no target in the issue"),
        })
        {
            try
            {
                var times = new List<double>();
                long bytes = 0;
                await Harness.RepeatAsync(path, warmups: 2, sizes.ApiCalls, async rep =>
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await http.GetAsync(path);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    var ms = clock.Elapsed.TotalMilliseconds;
                    response.EnsureSuccessStatusCode();
                    bytes = body.Length;
                    if (rep >= 0)
                    {
                        times.Add(ms);
                    }

                    return 0;
                });
                var stats = Stats.Of(times);
                report.Add(Row.Latency("OrleansAssets", what, mode, n, stats,
                    $"through {through} over loopback HTTP, one call at a time, whole body read ({bytes / 1024.0:N0} KiB); every asset has materializations; {target}"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                report.Add(Row.NotMeasured("OrleansAssets", what, mode, $"the call failed: {e.Message}{(exited() is { } gone ? "; " + gone : "")}"));
            }
        }
    }

    /// <summary>The processes of the cluster that are gone, with their exit codes (128 + the signal when killed), or null.</summary>
    private string? Exited()
    {
        var gone = _processes.Where(p => p.Value.HasExited).Select(p => $"{p.Key} exited with code {p.Value.ExitCode} at {p.Value.ExitTime.ToUniversalTime():HH:mm:ss} UTC").ToList();
        return gone.Count == 0 ? null : string.Join(", ", gone) + $" (logs were in {Path.Combine(_work, "logs")})";
    }

    private void Memory()
    {
        if (Exited() is { } gone)
        {
            report.Add(Row.NotMeasured("OrleansAssets", "silo and gateway RSS", Mode, gone));
            return;
        }

        var catalog = sizes.Independent + sizes.Chain + (sizes.Layers * sizes.LayerWidth) + 3;
        var silos = _processes.Where(p => p.Key != "gateway").Select(p => (p.Key, Rss: Status(p.Value, "VmRSS"), Peak: Status(p.Value, "VmHWM"))).ToList();
        var gateway = _processes["gateway"];
        report.Add(new Row
        {
            Group = "OrleansAssets",
            Scenario = $"silo RSS with a {catalog:N0}-asset catalog (largest of {Silos})",
            Mode = Mode,
            N = catalog,
            Value = silos.Max(s => s.Rss),
            Unit = "MiB",
            Notes = $"VmRSS from /proc/PID/status after every scenario: {string.Join(", ", silos.Select(s => $"{s.Key} {s.Rss:N0} MiB (peak VmHWM {s.Peak:N0})"))}; server GC (the silo's setting); target < 500 MB with 10,000 assets",
        });
        report.Add(new Row
        {
            Group = "OrleansAssets",
            Scenario = $"gateway RSS with a {catalog:N0}-asset catalog",
            Mode = Mode,
            N = catalog,
            Value = Status(gateway, "VmRSS"),
            Unit = "MiB",
            Notes = $"VmRSS after the API calls above; peak VmHWM {Status(gateway, "VmHWM"):N0} MiB",
        });
    }

    private async Task<(int Free, int Max)> FreeConnectionsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int, (select count(*) from pg_stat_activity where backend_type = 'client backend')::int", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var max = reader.GetInt32(0);
        return (max - reader.GetInt32(1), max);
    }

    /// <summary>A size line of /proc/PID/status (VmRSS, VmHWM), in MiB.</summary>
    internal static double Status(Process process, string field)
    {
        if (process.HasExited)
        {
            return double.NaN;
        }

        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>Connects the SDK client (retrying while no silo is a gateway yet), then waits for all silos to be active with the bench location.</summary>
    private async Task ConnectAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error);
        builder.AddOrleansAssetsClient(
            o =>
            {
                o.PostgresConnectionString = _database!.ConnectionString;
                o.ClusterId = _clusterId;
            },
            client => client.UseConnectionRetryFilter(async (_, token) =>
            {
                ThrowIfAnyExited();
                await Task.Delay(500, token);
                return !cancel.IsCancellationRequested;
            }));
        _clientHost = builder.Build();
        await _clientHost.StartAsync(cancel.Token);
        _client = _clientHost.Services.GetRequiredService<OrleansAssetsClient>();
        while (true)
        {
            ThrowIfAnyExited();
            try
            {
                var silos = await _client.ListSilosAsync(cancel.Token);
                if (silos.Count(s => s.Status == SiloState.Active && s.CodeLocations.Contains("bench")) >= Silos)
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A silo still joining answers late or not at all; ask again.
            }

            if (cancel.IsCancellationRequested)
            {
                throw Failed($"the {Silos} silos were not all active with the bench location within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(500);
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        if (!await WaitReadyAsync(_gateway, timeout, ThrowIfAnyExited))
        {
            throw Failed($"the gateway was not ready (GET /health/ready) within {timeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200 (true) or <paramref name="timeout"/> passes (false).</summary>
    internal static async Task<bool> WaitReadyAsync(Uri gateway, TimeSpan timeout, Action throwIfExited)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            throwIfExited();
            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        return false;
    }

    private void ThrowIfAnyExited()
    {
        if (_processes.FirstOrDefault(p => p.Value.HasExited) is { Key: { } name, Value: { } process })
        {
            throw Failed($"{name} exited with code {process.ExitCode} while starting");
        }
    }

    private InvalidOperationException Failed(string what)
    {
        _failed = true;
        return new InvalidOperationException($"The cluster did not start: {what}. Logs: {Path.Combine(_work, "logs")}");
    }

    /// <summary>The build output of a project the bench references, or a message saying what to build.</summary>
    internal static string Built(string key, string project)
    {
        var path = typeof(ClusterMode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"The bench was built without the {key} metadata; build it with `dotnet build bench -c Release`.");
        return File.Exists(path)
            ? Path.GetFullPath(path)
            : throw new FileNotFoundException($"{path} is missing: the bench starts {project} from its build output; build it with the bench (`dotnet build bench -c Release`, which builds {project} as a project reference).");
    }

    private void Start(string name, string dll, Dictionary<string, string> environment)
    {
        var log = Path.Combine(_work, "logs", name + ".log");
        // setsid as scripts/cluster starts them: in a session of their own, a wrapper's signals (timeout, a terminal's
        // job control) do not stop them mid-run; the bench kills them itself, also on Ctrl-C.
        var start = new ProcessStartInfo("bash", ["-c", "exec setsid dotnet \"$0\" >\"$OA_BENCH_LOG\" 2>&1 </dev/null", dll])
        {
            UseShellExecute = false,
            WorkingDirectory = _work,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["OA_BENCH_LOG"] = log;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        lock (Started)
        {
            Started.Add(process);
        }

        _processes[name] = process;
    }

    internal static int[] FreePorts(int count)
    {
        // Held open together so no two are the same; a port taken between here and the silo's bind is a failed start.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private static void KillAll()
    {
        lock (Started)
        {
            foreach (var process in Started)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _clientHost.Dispose();
        }

        // Killed, not stopped: a drain is not measured, and the database is dropped next anyway.
        foreach (var process in _processes.Values)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            lock (Started)
            {
                Started.Remove(process);
            }

            process.Dispose();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_failed)
        {
            Console.Error.WriteLine($"bench: the cluster's logs are kept in {Path.Combine(_work, "logs")}");
        }
        else
        {
            Directory.Delete(_work, recursive: true);
        }
    }
}
