using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansAssets.Bench;

/// <summary>
/// Dev mode as README's first command runs it, for what the in-process test cluster cannot show: one silo process
/// (no Postgres: in-memory storage, the gateway in the same process) loading the bench location, its whole catalog
/// materialized once through the API, then the API calls the dashboard makes and the process's RSS.
/// </summary>
public sealed class DevProcess(Sizes sizes, Report report) : IAsyncDisposable
{
    public const string Mode = "dev (silo process, in-memory)";
    private readonly string _work = Directory.CreateTempSubdirectory("oa-bench-dev-").FullName;
    private Process? _silo;
    private Uri _gateway = null!;

    public async Task RunAsync()
    {
        try
        {
            await StartAsync();
            await MaterializeEverythingAsync();
            await ClusterMode.ApiAsync(sizes, report, _gateway, Mode, "the dev silo's in-process gateway, after one run of the whole catalog", Exited);
            var catalog = sizes.Independent + sizes.Chain + (sizes.Layers * sizes.LayerWidth) + 3;
            report.Add(new Row
            {
                Group = "OrleansAssets",
                Scenario = $"silo RSS with a {catalog:N0}-asset catalog (gateway in the same process)",
                Mode = Mode,
                N = catalog,
                Value = ClusterMode.Status(_silo!, "VmRSS"),
                Unit = "MiB",
                Notes = $"VmRSS from /proc/PID/status after the whole catalog was materialized and the API calls above; peak VmHWM {ClusterMode.Status(_silo!, "VmHWM"):N0} MiB; in-memory storage keeps every run and event in this process; target < 500 MB with 10,000 assets",
            });
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException or FileNotFoundException)
        {
            report.Add(Row.NotMeasured("OrleansAssets", "/api/v1/lineage, /api/v1/assets latency; silo RSS", Mode, $"{e.Message}{(Exited() is { } gone ? "; " + gone : "")}"));
        }
    }

    private async Task StartAsync()
    {
        var silo = ClusterMode.Built("SiloDll", "silo/");
        var location = ClusterMode.Built("LocationDll", "bench/Location/");
        var ports = ClusterMode.FreePorts(3);
        var start = new ProcessStartInfo("bash", ["-c", "exec setsid dotnet \"$0\" >\"$OA_BENCH_LOG\" 2>&1 </dev/null", silo])
        {
            UseShellExecute = false,
            WorkingDirectory = _work,
        };

        // Dev mode is the silo without a Postgres connection: none of the bench's own may reach it.
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("OA_POSTGRES", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in sizes.LocationSettings())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["OrleansAssets__CodeLocations__0__Assembly"] = location;
        start.Environment["OrleansAssets__Cluster__SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Cluster__GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__Gateway__Port"] = ports[2].ToString(CultureInfo.InvariantCulture);
        start.Environment["OrleansAssets__IOManager__Root"] = Path.Combine(_work, "storage");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__OrleansAssets"] = "Warning";
        start.Environment["OA_BENCH_LOG"] = Path.Combine(_work, "silo.log");
        _silo = Process.Start(start) ?? throw new InvalidOperationException("Could not start the dev silo.");
        _gateway = new Uri($"http://127.0.0.1:{ports[2]}");
        report.Settings["dev.process"] = $"{Path.GetFileName(silo)} in dev mode (no Postgres connection: in-memory storage, the gateway in-process), the bench location from its build output, logging at Warning; the whole catalog materialized once through POST /api/v1/runs before the API calls";

        var ready = await ClusterMode.WaitReadyAsync(_gateway, TimeSpan.FromMinutes(2), () =>
        {
            if (Exited() is { } gone)
            {
                throw new InvalidOperationException($"the dev silo did not start: {gone}");
            }
        });
        if (!ready)
        {
            throw new InvalidOperationException($"the dev silo was not ready (GET /health/ready) within 2 minutes; its log: {Path.Combine(_work, "silo.log")}");
        }
    }

    /// <summary>One run of <c>*</c> through the API, so every asset the lineage shows has a materialization, as on the cluster.</summary>
    private async Task MaterializeEverythingAsync()
    {
        using var http = new HttpClient { BaseAddress = _gateway, Timeout = TimeSpan.FromMinutes(2) };
        using var submitted = await http.PostAsJsonAsync("/api/v1/runs", new { selection = "*" });
        submitted.EnsureSuccessStatusCode();
        var runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}");
            var status = run.GetProperty("status").GetString();
            if (status is "success")
            {
                return;
            }

            if (status is "failure" or "canceled")
            {
                throw new InvalidOperationException($"the run of the whole catalog ended {status}");
            }

            await Task.Delay(500);
        }

        throw new InvalidOperationException("the run of the whole catalog did not end within 10 minutes");
    }

    private string? Exited() => _silo is { HasExited: true } gone ? $"the dev silo exited with code {gone.ExitCode} (log: {Path.Combine(_work, "silo.log")})" : null;

    public async ValueTask DisposeAsync()
    {
        if (_silo is { HasExited: false })
        {
            _silo.Kill(entireProcessTree: true);
            await _silo.WaitForExitAsync();
        }

        _silo?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the process just killed: the temp folder is cleaned by the system.
        }
    }
}
