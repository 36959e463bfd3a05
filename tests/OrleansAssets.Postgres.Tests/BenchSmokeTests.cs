using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansAssets.Postgres.Tests;

/// <summary>
/// The CI smoke run of the benchmark (issue 15): the built oa-bench with --quick, on the test Postgres, writing to a
/// temporary directory, so the bench keeps building and running. What it measures is not checked (a shared machine's
/// figures prove nothing); that every row has a figure or says why not is.
/// </summary>
public sealed class BenchSmokeTests
{
    private static readonly string Root = FindRoot();

    private static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    [Fact]
    public async Task Quick_bench_run_writes_its_table_outside_bench_results_with_every_row_measured_or_explained()
    {
        var bench = Path.Combine(Root, "bench", "bin", Configuration, "net10.0", "oa-bench.dll");
        Assert.True(File.Exists(bench), $"{bench} is missing: build the solution first (scripts/test does).");
        var results = Path.Combine(Root, "bench", "results");
        var before = Snapshot(results);
        var output = Directory.CreateTempSubdirectory("oa-bench-smoke-").FullName;
        try
        {
            var (code, stdout, stderr) = await RunAsync(bench, ["--quick", "--out", output, "--postgres", TestDatabase.ServerConnectionString]);

            Assert.True(code == 0, $"oa-bench exited {code}:\n{stdout}\n{stderr}");
            Assert.True(File.Exists(Path.Combine(output, "latest.md")), "latest.md was not written to --out");
            Assert.True(File.Exists(Path.Combine(output, "latest.json")), "latest.json was not written to --out");
            Assert.Equal(before, Snapshot(results));

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "latest.json")));
            var rows = json.RootElement.GetProperty("rows").EnumerateArray().Select(Row.From).ToList();
            Assert.NotEmpty(rows);
            Assert.All(rows, row => Assert.True(
                row.Value is { } value ? double.IsFinite(value) : row.Notes.StartsWith("not measured", StringComparison.Ordinal),
                $"'{row.Scenario}' [{row.Mode}] has neither a figure nor a reason: '{row.Notes}'"));

            // The rows the table is for: ours beside the machine's limit and the peers, measured in the same run.
            Assert.Contains(rows, r => r.Group.Contains("limit", StringComparison.OrdinalIgnoreCase) && r.Value is not null);
            Assert.Contains(rows, r => r.Group == "Peers" && r.Scenario.Contains("Quartz", StringComparison.Ordinal) && r.Value is not null);
            Assert.Contains(rows, r => r.Group == "Peers" && r.Scenario.Contains("Hangfire", StringComparison.Ordinal) && r.Value is not null);
            Assert.Contains(rows, r => r.Group == "Micro-measurements");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private sealed record Row(string Group, string Scenario, string Mode, double? Value, string Notes)
    {
        public static Row From(JsonElement row) => new(
            row.GetProperty("Group").GetString()!,
            row.GetProperty("Scenario").GetString()!,
            row.GetProperty("Mode").GetString()!,
            row.TryGetProperty("Value", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null,
            row.TryGetProperty("Notes", out var notes) ? notes.GetString() ?? "" : "");
    }

    /// <summary>Every file of bench/results with a hash of its content: any write there shows as a difference.</summary>
    private static string Snapshot(string directory) => !Directory.Exists(directory) ? "" : string.Join('\n',
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string dll, string[] arguments)
    {
        // From the repository root, where a bench that ignored --out would write bench/results.
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // The quick run takes well under a minute; this only stops a hung one from hanging the suite.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"oa-bench --quick did not end in 5 minutes:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
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
