using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Validators;
using OrleansAssets.Bench.Micro;

// dotnet bench/Micro/bin/Release/net10.0/oa-bench-micro.dll [--quick] [--json FILE] [--artifacts DIR]
//   --quick: a smoke run (one warm-up, three short iterations); its figures show that the code runs, not how fast.
//   --json:  writes [{name, meanNs, p50Ns, stdDevNs, allocatedBytes, n, ...}] to FILE, for bench/Micro.cs.
var quick = args.Contains("--quick");
var jsonPath = Option("--json");
var artifacts = Option("--artifacts");
var ownArtifacts = artifacts is null;
artifacts ??= Directory.CreateTempSubdirectory("oa-bench-micro-").FullName;
var optimized = !(typeof(MicroGraph).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled ?? false);

// In-process: no child project is generated and built (slow on 2 cores, and it needs the SDK and a csproj beside the
// dll), so the bench can run this dll from wherever its output was copied.
var job = (quick
        ? Job.Dry.WithStrategy(BenchmarkDotNet.Engines.RunStrategy.Throughput).WithWarmupCount(1).WithIterationCount(3)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(20)).WithEvaluateOverhead(false)
        : Job.ShortRun)
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithId(quick ? "quick" : "short");
var config = ManualConfig.CreateMinimumViable()
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithArtifactsPath(artifacts)
    .WithOptions(ConfigOptions.JoinSummary);

// Real figures come from a Release build only: a full run refuses an unoptimized one (this minimal config would only
// warn). The CI smoke run (--quick) runs the Debug build the solution build made, to show the benchmarks still run;
// there the check is off and every result says it came from an unoptimized build.
config = quick
    ? config.WithOptions(ConfigOptions.DisableOptimizationsValidator)
    : config.AddValidator(JitOptimizationsValidator.FailOnError);

if (!quick && !optimized)
{
    // Said once, in the JSON the bench reads, rather than as BenchmarkDotNet's one error per benchmark class.
    const string Refusal = "a full run needs a Release build (dotnet run -c Release --project bench); this one is unoptimized (Debug): only --quick runs it, as a smoke run";
    Console.Error.WriteLine("micro: " + Refusal);
    if (jsonPath is not null)
    {
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new[] { new MicroResult { Name = "micro-measurements", Job = "short", Error = Refusal } }, MicroResult.JsonOptions));
    }

    return 1;
}

var summary = BenchmarkRunner.Run([typeof(SelectionBenchmarks), typeof(PlanningBenchmarks), typeof(GrainHopBenchmarks), typeof(SerializationBenchmarks)], config).Single();
var results = MicroResult.From(summary, quick, optimized);
if (jsonPath is not null)
{
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(results, MicroResult.JsonOptions));
    Console.Error.WriteLine($"micro: wrote {results.Count} results to {jsonPath}");
}

if (ownArtifacts)
{
    Directory.Delete(artifacts, recursive: true);
}

// Every benchmark must have a figure: a missing one (it threw, or validation stopped it) fails the run.
var failed = results.Where(r => r.MeanNs is null).ToList();
foreach (var result in failed)
{
    Console.Error.WriteLine($"micro: {result.Name}: no result: {result.Error}");
}

return summary.HasCriticalValidationErrors || failed.Count > 0 || results.Count == 0 ? 1 : 0;

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
