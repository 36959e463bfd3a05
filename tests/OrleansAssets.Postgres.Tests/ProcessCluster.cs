using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansAssets.Client;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// A cluster of silo processes started by <c>scripts/cluster</c>, exactly as a user starts one, on its own database,
/// ports, cluster id and folders, so it never meets a cluster the user has running.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly string Root = FindRoot();
    private readonly Dictionary<string, string> _environment;
    private IHost? _clientHost;

    private ProcessCluster(TestDatabase database, string work, Dictionary<string, string> environment)
    {
        Database = database;
        Work = work;
        _environment = environment;
    }

    public TestDatabase Database { get; }

    public string Work { get; }

    public string ClusterDirectory => Path.Combine(Work, "cluster");

    public string OaHome => Path.Combine(Work, "home");

    public string ClusterId => _environment["OA_CLUSTER_ID"];

    public int BasePort => int.Parse(_environment["OA_CLUSTER_PORT"], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The gateway scripts/cluster started: REST API and dashboards.</summary>
    public Uri GatewayUrl => new($"http://127.0.0.1:{_environment["OA_CLUSTER_HTTP_PORT"]}");

    /// <param name="salesRepeats">How many times the seed's rows repeat in the CSV the sales silos read, to make runs last.</param>
    /// <param name="sales">How many silos load the sales code location (one loads analytics).</param>
    /// <param name="postgres">A server of the test's own (for outages); the shared test server by default.</param>
    /// <param name="settings">More environment for every silo and for oa, such as a shorter write retry timeout.</param>
    public static async Task<ProcessCluster> StartAsync(int salesRepeats = 1, int sales = 2, ThrowawayPostgres? postgres = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var serverConnection = postgres?.ServerConnectionString ?? TestDatabase.ServerConnectionString;
        var database = await TestDatabase.CreateAsync(serverConnection);
        var work = Directory.CreateTempSubdirectory("oa-cluster-").FullName;
        var server = new NpgsqlConnectionStringBuilder(serverConnection);
        var port = 14000 + (Random.Shared.Next(0, 400) * 10);
        var csv = Path.Combine(work, "sales.csv");
        var rows = File.ReadAllLines(Path.Combine(Root, "examples", "SalesPipeline", "data", "sales.csv"));
        await File.WriteAllLinesAsync(csv, rows.Take(1).Concat(Enumerable.Repeat(rows.Skip(1), salesRepeats).SelectMany(r => r)));
        var environment = new Dictionary<string, string>
        {
            ["OA_CLUSTER_DIR"] = Path.Combine(work, "cluster"),
            ["OA_HOME"] = Path.Combine(work, "home"),
            ["OA_CLUSTER_ID"] = $"test-{Guid.NewGuid():N}"[..17],
            ["OA_CLUSTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OA_CLUSTER_GATEWAY_PORT"] = (port + 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OA_CLUSTER_HTTP_PORT"] = (port + 9).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OA_POSTGRES_HOST"] = server.Host!,
            ["OA_POSTGRES_PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OA_POSTGRES_USER"] = server.Username!,
            ["OA_POSTGRES_PASSWORD"] = server.Password!,
            ["OA_POSTGRES_DB"] = database.Name,
            ["Sales__CsvPath"] = csv,
            // Where each step runs, in the silos' logs, for the tests that need to know.
            ["Logging__LogLevel__OrleansAssets.Execution.LocalAttempts"] = "Debug",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new ProcessCluster(database, work, environment);
        await cluster.ScriptAsync("up", "--no-build", "--sales", sales.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return cluster;
    }

    /// <summary>Rolls one silo as a deploy would (scripts/cluster restart: SIGTERM, wait for it to leave, start again).</summary>
    public Task<(int ExitCode, string Output, string Error)> RestartAsync(string silo) => ScriptAsync("restart", silo);

    /// <summary>
    /// Every "Running step" line the silos logged (this incarnation and the ones restarted), as (run, asset, attempt):
    /// each is one start of user code.
    /// </summary>
    public IReadOnlyList<(Guid Run, string Asset, int Attempt)> CodeStarts()
    {
        var line = new System.Text.RegularExpressions.Regex(@"Running step (\S+) of run ([0-9a-f-]{36}) \(attempt (\d+)\)");
        return Directory.GetFiles(Path.Combine(ClusterDirectory, "logs"), "*.log")
            .SelectMany(f => line.Matches(File.ReadAllText(f)))
            .Select(m => (Guid.Parse(m.Groups[2].Value), m.Groups[1].Value, int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    public Task<(int ExitCode, string Output, string Error)> ScriptAsync(params string[] arguments) =>
        RunAsync("bash", [Path.Combine(Root, "scripts", "cluster"), .. arguments], TimeSpan.FromMinutes(3), check: true);

    /// <summary>Runs the oa command line in this cluster's environment (it finds the cluster through the context file).</summary>
    public Task<(int ExitCode, string Output, string Error)> OaAsync(params string[] arguments) =>
        RunAsync("dotnet", [Path.Combine(Root, "client", "bin", Configuration, "net10.0", "oa.dll"), .. arguments], TimeSpan.FromMinutes(2), check: false);

    /// <summary>Starts the oa command line in this cluster's environment and leaves it running; the caller reads and waits.</summary>
    public Process StartOa(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(Root, "client", "bin", Configuration, "net10.0", "oa.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Every silo log of this cluster, including those of incarnations before a restart.</summary>
    public IEnumerable<string> Logs() => Directory.GetFiles(Path.Combine(ClusterDirectory, "logs"), "*.log").Select(File.ReadAllText);

    public int Pid(string silo) => int.Parse(File.ReadAllText(Path.Combine(ClusterDirectory, "pids", silo + ".pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public string Log(string silo) => File.ReadAllText(Path.Combine(ClusterDirectory, "logs", silo + ".log"));

    /// <summary>The log of the silo's incarnation before its last restart.</summary>
    public string PreviousLog(string silo) => File.ReadAllText(Directory.GetFiles(Path.Combine(ClusterDirectory, "logs"), silo + ".until-*.log").Order(StringComparer.Ordinal).Last());


    public void Signal(string silo, bool kill) => Process.Start("kill", [kill ? "-9" : "-TERM", Pid(silo).ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async Task WaitForExitAsync(string silo, TimeSpan timeout)
    {
        var pid = Pid(silo);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!File.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z")
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Silo {silo} did not exit within {timeout}.");
    }

    /// <summary>An SDK client that learns the gateways from Postgres, as oa does.</summary>
    public async Task<OrleansAssetsClient> ClientAsync()
    {
        if (_clientHost is null)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.AddOrleansAssetsClient(o =>
            {
                o.PostgresConnectionString = Database.ConnectionString;
                o.ClusterId = ClusterId;
            });
            _clientHost = builder.Build();
            await _clientHost.StartAsync();
        }

        return _clientHost.Services.GetRequiredService<OrleansAssetsClient>();
    }

    /// <summary>The Orleans client under <see cref="ClientAsync"/>, for grain calls the SDK does not make.</summary>
    public async Task<IClusterClient> GrainsAsync()
    {
        await ClientAsync();
        return _clientHost!.Services.GetRequiredService<IClusterClient>();
    }

    public async Task<Runs.RunDetails> WaitAsync(Guid runId, TimeSpan timeout)
    {
        var client = await ClientAsync();
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                return await client.WaitForRunAsync(runId, pollInterval: TimeSpan.FromMilliseconds(250), cancellationToken: cancel.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancel.IsCancellationRequested)
            {
                // A gateway died under the client: it moves to another; read the run again from the start.
                await Task.Delay(250, cancel.Token);
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

        await ScriptAsync("down");
        await Database.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }

    private static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    private async Task<(int, string, string)> RunAsync(string program, string[] arguments, TimeSpan timeout, bool check)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["OA_CONFIGURATION"] = Configuration;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        var result = (process.ExitCode, await output, await error);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{result.Item2}\n{result.Item3}");
        }

        return result;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansAssets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run from inside the repository; OrleansAssets.sln was not found above " + AppContext.BaseDirectory);
    }
}
