using System.Diagnostics;
using System.Text.Json;

namespace OrleansAssets.Bench;

/// <summary>
/// The micro-measurements (selection resolve, planning, a grain hop, serialization): BenchmarkDotNet in its own
/// process, from the micro/ folder the build copies beside oa-bench.dll (bench/Micro), one row per benchmark. A child
/// process because BenchmarkDotNet wants a quiet process of its own, not one with a silo and its GC settings.
/// </summary>
public sealed class Micro(bool quick, Report report)
{
    private const string Group = "Micro-measurements";
    private const string Mode = "in-process (BenchmarkDotNet)";

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "micro", "oa-bench-micro.dll");

    /// <param name="wanted">False with <c>--only</c> naming other parts: the table still says the micro-measurements were left out.</param>
    public async Task RunAsync(bool wanted = true)
    {
        if (!wanted)
        {
            report.Add(Row.NotMeasured(Group, "selection resolve, planning, a grain hop, serialization", Mode, "left out with --only"));
            return;
        }

        if (!File.Exists(Dll))
        {
            report.Add(Row.NotMeasured(Group, "selection resolve, planning, a grain hop, serialization", Mode, $"{Dll} is missing (the bench's build copies it from bench/Micro)"));
            return;
        }

        var work = Directory.CreateTempSubdirectory("oa-bench-micro-").FullName;
        try
        {
            var json = Path.Combine(work, "micro.json");
            var started = Stopwatch.StartNew();
            var (code, output) = await RunChildAsync(json, Path.Combine(work, "artifacts"));
            Console.Error.WriteLine($"bench: micro-measurements: exit {code} in {started.Elapsed.TotalSeconds:F1} s");
            if (!File.Exists(json))
            {
                report.Add(Row.NotMeasured(Group, "selection resolve, planning, a grain hop, serialization", Mode, $"oa-bench-micro exited {code} without results: {Tail(output)}"));
                return;
            }

            var results = JsonSerializer.Deserialize<List<MicroResult>>(await File.ReadAllTextAsync(json), new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
            foreach (var result in results)
            {
                report.Add(ToRow(result));
            }

            if (results.Count > 0)
            {
                var first = results[0];
                report.Settings["micro"] = $"BenchmarkDotNet job {first.Job} ({(first.Job == "quick" ? "1 warm-up, 3 iterations of 20 ms: a smoke run" : "ShortRun: 3 warm-ups, 3 iterations")}), InProcessEmitToolchain, MemoryDiagnoser; {(first.Optimized ? "optimized build" : "unoptimized (Debug) build")}; graph: 100 layers x 100 assets, 2 upstream each";
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private Row ToRow(MicroResult result)
    {
        if (result.MeanNs is not { } mean)
        {
            return Row.NotMeasured(Group, result.Name, Mode, "oa-bench-micro gave no figure: " + (result.Error ?? "no reason given"));
        }

        // Means per call in microseconds: the range these take (a grain hop ~10s of µs, planning 10,000 steps ~ms).
        var notes = $"mean per call over {result.N} iterations of {result.InvocationsPerIteration:N0} calls; std dev {Report.Format(result.StdDevNs / 1000 ?? double.NaN)} µs; allocated {result.AllocatedBytes?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "?"} B/call";
        if (result.Job == "quick")
        {
            notes += "; --quick: a smoke run, too short for figures to compare";
        }

        if (!result.Optimized)
        {
            notes += "; from an unoptimized (Debug) build: shows the benchmark runs, not how fast";
        }

        return new Row
        {
            Group = Group,
            Scenario = result.Name,
            Mode = Mode,
            N = result.N,
            Repetitions = result.N,
            Value = mean / 1000,
            Unit = "µs/call",
            P50 = result.P50Ns / 1000,
            PercentileUnit = "µs",
            Notes = notes,
        };
    }

    private async Task<(int Code, string Output)> RunChildAsync(string json, string artifacts)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Dll, "--json", json, "--artifacts", artifacts, .. quick ? ["--quick"] : Array.Empty<string>()])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;

        // BenchmarkDotNet's own table goes to our stderr, so a reader of the run sees it; the rows are what we keep.
        var stdout = PumpAsync(process.StandardOutput);
        var stderr = PumpAsync(process.StandardError);
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<string> PumpAsync(StreamReader reader)
    {
        var all = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            Console.Error.WriteLine(line);
            all.AppendLine(line);
        }

        return all.ToString();
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" / ", lines.TakeLast(3));
    }

    private sealed record MicroResult(string Name, double? MeanNs, double? P50Ns, double? StdDevNs, long? AllocatedBytes, int N, long InvocationsPerIteration, string Job, bool Optimized, string? Error);
}
