using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansAssets.Assets;
using OrleansAssets.Runs;
using OrleansAssets.Selection;

namespace OrleansAssets.CodeLocations;

/// <summary>Checks a code location's jobs and ops when it loads, naming what is wrong, as for a broken graph.</summary>
internal static partial class JobReader
{
    public static void Validate(string codeLocation, IReadOnlyList<JobDefinition> jobs, IReadOnlyList<AssetDefinition> steps)
    {
        var ops = steps.Where(s => s.Spec.Kind == StepKind.Op).ToDictionary(s => s.Key, s => s.Spec, StringComparer.Ordinal);
        var specs = steps.GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Spec, StringComparer.Ordinal);
        foreach (var twice in jobs.GroupBy(j => j.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new AssetGraphException($"Invalid definitions: code location '{codeLocation}' defines job '{twice.Key}' twice.");
        }

        foreach (var job in jobs)
        {
            if (!JobName().IsMatch(job.Name ?? ""))
            {
                throw new AssetGraphException($"Invalid definitions: job name {UserText.Quote(job.Name ?? "")} of code location '{codeLocation}' is not valid; use letters, digits and '_', not starting with a digit.");
            }

            if (string.IsNullOrWhiteSpace(job.Selection) && job.Ops.Count == 0)
            {
                throw new AssetGraphException($"Invalid definitions: job '{job.Name}' selects nothing; give it a selection of assets or ops.");
            }

            if (!string.IsNullOrWhiteSpace(job.Selection))
            {
                try
                {
                    AssetSelection.Parse(job.Selection);
                }
                catch (AssetSelectionException e)
                {
                    throw new AssetGraphException($"Invalid definitions: job '{job.Name}': {e.Message}");
                }
            }

            foreach (var op in job.Ops.Where(o => !ops.ContainsKey(o)))
            {
                throw new AssetGraphException($"Invalid definitions: job '{job.Name}' runs op '{UserText.Shorten(op)}', which code location '{codeLocation}' does not define (its ops: {(ops.Count == 0 ? "none" : string.Join(", ", ops.Keys))}).");
            }

            if (DefaultConfigOf(job) is { } config)
            {
                try
                {
                    // The default config's steps of this code location must fit; others are checked when a run resolves them.
                    RunConfigValidator.Validate(config, specs, checkUnknownSteps: false);
                }
                catch (RunConfigException e)
                {
                    throw new AssetGraphException($"Invalid definitions: the default config of job '{job.Name}': {e.Message}");
                }
            }
        }
    }

    /// <summary>Nothing depends on an op but another op: ops are not in the asset lineage.</summary>
    public static void ValidateOpsAreLeaves(IReadOnlyList<AssetSpec> specs, Func<AssetSpec, string> describe)
    {
        var ops = specs.Where(s => s.Kind == StepKind.Op).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var asset in specs.Where(s => s.Kind == StepKind.Asset))
        {
            if (asset.Dependencies.FirstOrDefault(ops.Contains) is { } op)
            {
                throw new AssetGraphException($"Invalid asset graph: asset {describe(asset)} depends on op '{op}'; an asset can depend only on assets.");
            }
        }
    }

    public static JobSpec ToSpec(JobDefinition job, string codeLocation) => new()
    {
        Name = job.Name,
        Description = job.Description,
        Selection = string.IsNullOrWhiteSpace(job.Selection) ? null : job.Selection,
        Ops = [.. job.Ops],
        Tags = new Dictionary<string, string>(job.Tags, StringComparer.Ordinal),
        Priority = job.Priority,
        DefaultConfig = DefaultConfigOf(job),
        CodeLocation = codeLocation,
    };

    /// <summary>The job's default config as JSON, or null.</summary>
    private static string? DefaultConfigOf(JobDefinition job) => job.DefaultConfig switch
    {
        null => null,
        string json => json,
        JsonElement element => element.GetRawText(),
        var other => JsonSerializer.Serialize(other),
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex JobName();
}
