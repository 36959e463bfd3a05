using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansAssets.Selection;

namespace OrleansAssets.Automation;

/// <summary>
/// Checks a code location's schedules and sensors when it loads, naming what is wrong (a bad cron, an unknown time
/// zone, an unknown job, an empty target, a duplicate name), and turns them into the specs the cluster knows.
/// </summary>
internal static partial class AutomationReader
{
    public static (List<ScheduleSpec> Schedules, List<SensorSpec> Sensors) Read(string codeLocation, IReadOnlyList<ScheduleDefinition> schedules, IReadOnlyList<object> sensors, IReadOnlyCollection<string> jobs, IReadOnlySet<string> knownAssets)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var scheduleSpecs = schedules.Select(s =>
        {
            Name(codeLocation, "schedule", s.Name, names);
            try
            {
                ScheduleClock.ParseCron(s.Cron);
                ScheduleClock.FindZone(s.TimeZone);
            }
            catch (ScheduleException e)
            {
                throw new AssetGraphException($"Invalid definitions: schedule '{s.Name}' of code location '{codeLocation}': {e.Message}", e);
            }

            Target(codeLocation, $"schedule '{s.Name}'", s.Job, s.Selection, jobs);
            if (s.MaxMisfireRuns < 1)
            {
                throw new AssetGraphException($"Invalid definitions: schedule '{s.Name}' has MaxMisfireRuns {s.MaxMisfireRuns}; it must be at least 1.");
            }

            return new ScheduleSpec
            {
                Name = s.Name,
                Cron = s.Cron.Trim(),
                TimeZone = string.IsNullOrWhiteSpace(s.TimeZone) ? "UTC" : s.TimeZone.Trim(),
                Job = s.Job,
                Selection = s.Selection,
                Description = s.Description,
                Tags = new Dictionary<string, string>(s.Tags, StringComparer.Ordinal),
                DefaultStatus = s.DefaultStatus == DefaultStatus.Running ? AutomationStatus.Running : AutomationStatus.Stopped,
                Misfire = s.Misfire switch { MisfirePolicy.RunAll => Misfire.RunAll, MisfirePolicy.Skip => Misfire.Skip, _ => Misfire.RunLatest },
                MaxMisfireRuns = s.MaxMisfireRuns,
                Config = Json(s.Config),
                CodeLocation = codeLocation,
            };
        }).ToList();

        var sensorSpecs = sensors.Select(sensor => sensor switch
        {
            SensorDefinition f => Sensor(codeLocation, f.Name, SensorKind.Function, f.Job, f.Selection, f.Description, f.Tags, f.DefaultStatus, jobs, names) with
            {
                Interval = f.Interval >= TimeSpan.FromSeconds(1) ? f.Interval : throw new AssetGraphException($"Invalid definitions: sensor '{f.Name}' has interval {f.Interval}; the shortest is 1 s."),
                Timeout = f.Timeout > TimeSpan.Zero ? f.Timeout : TimeSpan.FromSeconds(60),
            },
            AssetSensorDefinition a => Sensor(codeLocation, a.Name, SensorKind.Asset, a.Job, a.Selection, a.Description, a.Tags, a.DefaultStatus, jobs, names) with
            {
                Assets = a.Assets.Count == 0
                    ? throw new AssetGraphException($"Invalid definitions: asset sensor '{a.Name}' watches no asset; give it one or more asset keys.")
                    : a.Assets.FirstOrDefault(k => !knownAssets.Contains(k)) is { } unknown
                        ? throw new AssetGraphException($"Invalid definitions: asset sensor '{a.Name}' watches unknown asset key {UserText.Quote(unknown)}; code location '{codeLocation}' neither defines it nor declares it external.")
                        : [.. a.Assets.Distinct(StringComparer.Ordinal)],
            },
            RunStatusSensorDefinition { WatchJob: { } watched } r when !jobs.Contains(watched) =>
                throw new AssetGraphException($"Invalid definitions: run-status sensor '{r.Name}' watches job {UserText.Quote(watched)}, which code location '{codeLocation}' does not define."),
            RunStatusSensorDefinition r => Sensor(codeLocation, r.Name, SensorKind.RunStatus, r.Job, r.Selection, r.Description, r.Tags, r.DefaultStatus, jobs, names) with
            {
                WatchJob = r.WatchJob,
                WatchStatus = r.Status switch { RunOutcome.Failure => Runs.RunStatus.Failure, RunOutcome.Canceled => Runs.RunStatus.Canceled, _ => Runs.RunStatus.Success },
            },
            _ => throw new AssetGraphException($"Invalid definitions: code location '{codeLocation}' adds a sensor of unknown type {sensor.GetType().Name}."),
        }).ToList();
        return (scheduleSpecs, sensorSpecs);
    }

    private static SensorSpec Sensor(string codeLocation, string name, SensorKind kind, string? job, string? selection, string? description, IReadOnlyDictionary<string, string> tags, DefaultStatus status, IReadOnlyCollection<string> jobs, HashSet<string> names)
    {
        Name(codeLocation, "sensor", name, names);
        Target(codeLocation, $"sensor '{name}'", job, selection, jobs);
        return new SensorSpec
        {
            Name = name,
            Kind = kind,
            Job = job,
            Selection = selection,
            Description = description,
            Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal),
            DefaultStatus = status == DefaultStatus.Running ? AutomationStatus.Running : AutomationStatus.Stopped,
            CodeLocation = codeLocation,
        };
    }

    private static void Name(string codeLocation, string what, string name, HashSet<string> names)
    {
        if (!ValidName().IsMatch(name ?? ""))
        {
            throw new AssetGraphException($"Invalid definitions: {what} name {UserText.Quote(name ?? "")} of code location '{codeLocation}' is not valid; use letters, digits and '_', not starting with a digit.");
        }

        if (!names.Add($"{what}:{name}"))
        {
            throw new AssetGraphException($"Invalid definitions: code location '{codeLocation}' defines {what} '{name}' twice.");
        }
    }

    private static void Target(string codeLocation, string what, string? job, string? selection, IReadOnlyCollection<string> jobs)
    {
        if (job is not null && selection is not null)
        {
            throw new AssetGraphException($"Invalid definitions: {what} names both job '{job}' and a selection; give one.");
        }

        if (job is not null)
        {
            if (!jobs.Contains(job))
            {
                throw new AssetGraphException($"Invalid definitions: {what} targets job {UserText.Quote(job)}, which code location '{codeLocation}' does not define (its jobs: {(jobs.Count == 0 ? "none" : string.Join(", ", jobs))}).");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(selection))
        {
            throw new AssetGraphException($"Invalid definitions: {what} targets nothing; give it a job or a selection.");
        }

        try
        {
            AssetSelection.Parse(selection);
        }
        catch (AssetSelectionException e)
        {
            throw new AssetGraphException($"Invalid definitions: {what}: {e.Message}");
        }
    }

    /// <summary>
    /// Job, schedule and sensor names are unique in a cluster (the CLI and the API name them alone): refuses a second
    /// code location that reuses one, naming both.
    /// </summary>
    public static void RequireUniqueNames(IEnumerable<(string CodeLocation, IEnumerable<string> Jobs, IEnumerable<string> Schedules, IEnumerable<string> Sensors)> locations)
    {
        var all = locations.SelectMany(l => l.Jobs.Select(n => ("job", n, l.CodeLocation))
            .Concat(l.Schedules.Select(n => ("schedule", n, l.CodeLocation)))
            .Concat(l.Sensors.Select(n => ("sensor", n, l.CodeLocation)))).ToList();
        foreach (var twice in all.GroupBy(x => (x.Item1, x.Item2)).Where(g => g.Select(x => x.Item3).Distinct().Count() > 1))
        {
            throw new AssetGraphException($"Invalid definitions: {twice.Key.Item1} '{twice.Key.Item2}' is defined by code locations {string.Join(" and ", twice.Select(t => $"'{t.Item3}'").Distinct())}; {twice.Key.Item1} names are unique in a cluster.");
        }
    }

    public static string? Json(object? value) => value switch
    {
        null => null,
        string json => json,
        JsonElement element => element.GetRawText(),
        var other => JsonSerializer.Serialize(other),
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ValidName();
}
