using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Reports;

namespace OrleansAssets.Bench.Micro;

/// <summary>One benchmark's figures, per operation, as bench/Micro.cs reads them; null figures with an error when it did not run.</summary>
public sealed record MicroResult
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,

        // Names are read by people too ('*', '+', '->'): no \u escapes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Name { get; init; }

    public double? MeanNs { get; init; }

    /// <summary>The median of the iterations' means (each iteration averages many calls; not a per-call percentile).</summary>
    public double? P50Ns { get; init; }

    public double? StdDevNs { get; init; }

    public long? AllocatedBytes { get; init; }

    /// <summary>Measured iterations.</summary>
    public int N { get; init; }

    public long InvocationsPerIteration { get; init; }

    /// <summary>The job: <c>quick</c> (smoke run) or <c>short</c> (BenchmarkDotNet's ShortRun).</summary>
    public required string Job { get; init; }

    /// <summary>False when the benchmarks ran from a Debug build (the smoke run does): such figures are not real ones.</summary>
    public bool Optimized { get; init; }

    public string? Error { get; init; }

    public static List<MicroResult> From(Summary summary, bool quick, bool optimized)
    {
        var job = quick ? "quick" : "short";
        var results = new List<MicroResult>();
        foreach (var report in summary.Reports)
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
            if (report.ResultStatistics is not { } stats)
            {
                results.Add(new MicroResult { Name = name, Job = job, Optimized = optimized, Error = report.ExecuteResults.SelectMany(e => e.Results).LastOrDefault() ?? "no measurement (see the BenchmarkDotNet output above)" });
                continue;
            }

            var operations = report.AllMeasurements.FirstOrDefault(m => m.IterationMode == BenchmarkDotNet.Engines.IterationMode.Workload && m.IterationStage == BenchmarkDotNet.Engines.IterationStage.Actual).Operations;
            results.Add(new MicroResult
            {
                Name = name,
                MeanNs = stats.Mean,
                P50Ns = stats.Median,
                StdDevNs = stats.StandardDeviation,
                AllocatedBytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase),
                N = stats.N,
                InvocationsPerIteration = operations,
                Job = job,
                Optimized = optimized,
            });
        }

        // Benchmarks stopped before they ran (validation errors) have no report at all: name them too.
        // BenchmarkDotNet repeats an assembly's error for every benchmark class; each is said once, by its first line.
        foreach (var error in summary.ValidationErrors.Where(e => e.IsCritical).DistinctBy(e => e.Message))
        {
            results.Add(new MicroResult { Name = error.BenchmarkCase?.Descriptor.WorkloadMethodDisplayInfo.Trim('\'') ?? "validation", Job = job, Optimized = optimized, Error = error.Message.Split('\n')[0] });
        }

        // By name, so the table's order is the same from run to run (BenchmarkDotNet's follows its own plan).
        return [.. results.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }
}
