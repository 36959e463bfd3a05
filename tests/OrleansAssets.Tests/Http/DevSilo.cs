using System.Diagnostics;
using System.Text;

namespace OrleansAssets.Tests.Http;

/// <summary>
/// The dev-mode silo as a process, as <c>dotnet run --project silo</c> starts it: one silo with in-memory storage,
/// the example pipeline and the gateway in-process, on ports of its own (the gateway's HTTP port and both Orleans
/// ports moved by their settings) in a working directory of its own.
/// </summary>
public sealed class DevSilo : IAsyncDisposable
{
    private static readonly string Dll = Path.Combine(Cli.Oa.Root, "silo", "bin", Configuration, "net10.0", "OrleansAssets.Silo.dll");

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _directory;

    private DevSilo(Process process, string directory, int httpPort, int gatewayPort)
    {
        _process = process;
        _directory = directory;
        Url = $"http://127.0.0.1:{httpPort}";
        Gateway = $"127.0.0.1:{gatewayPort}";
    }

    /// <summary>The gateway's REST API and dashboard, for <c>oa --url</c>.</summary>
    public string Url { get; }

    /// <summary>The silo's Orleans gateway, for <c>oa --gateway</c>.</summary>
    public string Gateway { get; }

    /// <summary>What the silo printed so far.</summary>
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

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Starts the silo and returns once its gateway says it is ready (the cluster answers).</summary>
    /// <param name="settings">More settings, for example <c>OrleansAssets__Auth__Token</c>.</param>
    public static async Task<DevSilo> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!File.Exists(Dll))
        {
            throw new InvalidOperationException($"{Dll} is missing: build the solution first (dotnet build OrleansAssets.sln).");
        }

        var directory = Directory.CreateTempSubdirectory("oa-devsilo-").FullName;
        var (http, silo, gateway) = (Ports.Free(), Ports.Free(), Ports.Free());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(Dll);

        // Dev mode: nothing that would make it join a cluster or change its settings but what the test gives.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("OA_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("OrleansAssets__", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        start.Environment["OrleansAssets__Gateway__Port"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Cluster__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Cluster__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var devSilo = new DevSilo(process, directory, http, gateway);
        process.OutputDataReceived += (_, e) => devSilo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => devSilo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await devSilo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await devSilo.DisposeAsync();
            throw;
        }

        return devSilo;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Append(line).Append('\n');
            }
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The dev silo exited with {_process.ExitCode} before it was ready:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"{Url}/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The dev silo was not ready within {timeout.TotalSeconds:0} s:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by the exiting process: the temp folder keeps it.
            }
        }
    }
}
