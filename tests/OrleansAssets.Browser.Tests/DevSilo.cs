using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansAssets.Browser.Tests;

/// <summary>
/// A dev-mode silo process, started as README's first command starts it (the built silo, no Postgres), serving the
/// gateway and the dashboard on ports of its own in 39000-39999, from a working directory of its own.
/// </summary>
public sealed class DevSilo : IAsyncDisposable
{
    private static readonly string Root = FindRoot();
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _work;

    private DevSilo(Process process, string work, Uri url)
    {
        _process = process;
        _work = work;
        Url = url;
    }

    /// <summary>The dashboard, as the silo prints it: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <param name="settings">More environment for the silo, such as a code location to load.</param>
    public static async Task<DevSilo> StartAsync(IReadOnlyDictionary<string, string>? settings = null, TimeSpan? readyTimeout = null)
    {
        var silo = Path.Combine(Root, "silo", "bin", Configuration, "net10.0", "OrleansAssets.Silo.dll");
        if (!File.Exists(silo))
        {
            throw new InvalidOperationException($"The silo is not built at {silo}; build the solution first (dotnet build OrleansAssets.sln).");
        }

        var work = Directory.CreateTempSubdirectory("oa-browser-").FullName;
        var (http, siloPort, gatewayPort) = (FreePorts.Take(), FreePorts.Take(), FreePorts.Take());
        var start = new ProcessStartInfo("dotnet", [silo])
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // Dev mode is what the tests claim: no database, no settings of the caller's that would change it.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("OA_POSTGRES_", StringComparison.Ordinal) || name.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                || name.StartsWith("OrleansAssets__", StringComparison.Ordinal))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["OrleansAssets__Gateway__Port"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Cluster__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var dev = new DevSilo(process, work, new Uri($"http://127.0.0.1:{http}/"));
        process.OutputDataReceived += (_, e) => dev.Append(e.Data);
        process.ErrorDataReceived += (_, e) => dev.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await dev.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromMinutes(2));
        }
        catch
        {
            await dev.DisposeAsync();
            throw;
        }

        return dev;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>Ready is what the gateway says at /health/ready (the cluster answers), and the catalog is published.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The dev silo exited with code {_process.ExitCode} before it was ready:\n{Log}");
            }

            try
            {
                using var ready = await http.GetAsync("health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    using var lineage = await http.GetAsync("api/v1/code-locations");
                    var body = await lineage.Content.ReadAsStringAsync();
                    if (lineage.IsSuccessStatusCode && body.Contains("\"assetCount\"", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The dev silo did not become ready at {Url} within {timeout}:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, as a user's Ctrl+C or a deploy stops it; then the hard way.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned up some other day.
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansAssets.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OrleansAssets.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Ports in 39000-39999 that nothing listens on, each handed out once per test run.</summary>
internal static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    public static int Take()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(39000, 40000);
                if (Given.Contains(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                    Given.Add(port);
                    return port;
                }
                catch (SocketException)
                {
                    // Taken by something else.
                }
            }

            throw new InvalidOperationException("No free port in 39000-39999.");
        }
    }
}
