using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansAssets.Bench;

/// <summary>One line of the table: a figure we measured, or a scenario that was not measured (and why).</summary>
public sealed record Row
{
    public required string Group { get; init; }

    public required string Scenario { get; init; }

    public required string Mode { get; init; }

    public int N { get; init; }

    public int Repetitions { get; init; }

    /// <summary>The headline figure (median of the repetitions for rates).</summary>
    public double? Value { get; init; }

    public string Unit { get; init; } = "";

    public double? P50 { get; init; }

    public double? P99 { get; init; }

    /// <summary>p50/p99 unit (ms) when given.</summary>
    public string? PercentileUnit { get; init; }

    public string Notes { get; init; } = "";

    public bool Measured => Value is not null;

    public static Row NotMeasured(string group, string scenario, string mode, string why) =>
        new() { Group = group, Scenario = scenario, Mode = mode, Notes = "not measured yet: " + why };

    /// <summary>A latency: its p50 as the figure, with p99, over every sample taken.</summary>
    public static Row Latency(string group, string scenario, string mode, int n, Stats stats, string notes) => new()
    {
        Group = group,
        Scenario = scenario,
        Mode = mode,
        N = n,
        Repetitions = stats.Count,
        Value = stats.P50,
        Unit = "ms (p50)",
        P50 = stats.P50,
        P99 = stats.P99,
        PercentileUnit = "ms",
        Notes = notes,
    };
}

public sealed class Report
{
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public List<Row> Rows { get; } = [];

    public SortedDictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Versions { get; } = new(StringComparer.Ordinal);

    public void Add(Row row)
    {
        Rows.Add(row);
        Console.Error.WriteLine($"bench: {row.Scenario} [{row.Mode}]: {(row.Value is { } v ? $"{Format(v)} {row.Unit}" : row.Notes)}");
    }

    public static Dictionary<string, object?> Machine()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new()
        {
            ["cores"] = Environment.ProcessorCount,
            ["memoryGiB"] = Math.Round(memory / 1024.0 / 1024 / 1024, 1),
            ["os"] = RuntimeInformation.OSDescription,
            ["architecture"] = RuntimeInformation.OSArchitecture.ToString(),
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["loadAverage"] = LoadAverage(),
            ["gc"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
        };
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.')
        ?? assembly.GetName().Version?.ToString() ?? "?";

    public string Markdown(TimeSpan elapsed)
    {
        var machine = Machine();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# OrleansAssets benchmark");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Date {StartedAt:yyyy-MM-dd HH:mm} UTC, took {elapsed.TotalSeconds:F0} s. Machine: {machine["cores"]} cores, {machine["memoryGiB"]} GiB, {machine["os"]}, {machine["runtime"]}, load average at the end {machine["loadAverage"]}.");
        text.AppendLine("Figures from one run on a shared machine: compare rows of the same run, not runs of different days.");
        text.AppendLine();
        foreach (var group in Rows.GroupBy(r => r.Group))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {group.Key}");
            text.AppendLine();
            text.AppendLine("| scenario | mode | N | reps | figure | p50 | p99 | notes |");
            text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
            foreach (var row in group)
            {
                var figure = row.Value is { } v ? $"{Format(v)} {row.Unit}" : "**not measured**";
                var unit = row.PercentileUnit is { } u ? " " + u : "";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Scenario} | {row.Mode} | {(row.N > 0 ? row.N.ToString("N0", CultureInfo.InvariantCulture) : "")} | {(row.Repetitions > 0 ? row.Repetitions : "")} | {figure} | {(row.P50 is { } p50 ? Format(p50) + unit : "")} | {(row.P99 is { } p99 ? Format(p99) + unit : "")} | {row.Notes.Replace("|", "\\|", StringComparison.Ordinal)} |");
            }

            text.AppendLine();
        }

        text.AppendLine("## Versions");
        text.AppendLine();
        foreach (var (name, version) in Versions)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {name} {version}");
        }

        text.AppendLine();
        text.AppendLine("## Settings");
        text.AppendLine();
        foreach (var (name, value) in Settings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{name}`: {value}");
        }

        return text.ToString();
    }

    public string Json(TimeSpan elapsed) => JsonSerializer.Serialize(new
    {
        date = StartedAt,
        elapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
        machine = Machine(),
        versions = Versions,
        settings = Settings,
        rows = Rows,
    }, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });

    public static string Format(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture)
        : value.ToString("F2", CultureInfo.InvariantCulture);

    public static long ProcessRssMiB() => Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024;
}
