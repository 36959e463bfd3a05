namespace OrleansAssets;

/// <summary>
/// Marks a method as an op, the counterpart of Dagster's <c>@op</c>: a step of a job that materializes no asset (a
/// notification, a cleanup, a call to another system). It runs after its <see cref="Deps"/> (assets or ops of its job);
/// a parameter named after an asset receives that asset's stored value; it gets an <see cref="AssetContext"/> for its
/// logs and cancellation, and a <see cref="StepConfig"/> parameter for its run config. It shows in the run's events
/// and timeline, not in the asset lineage.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OpAttribute : Attribute
{
    public OpAttribute()
    {
    }

    public OpAttribute(string key) => Key = key;

    /// <summary>The op's key; the snake_case method name when not set. Op and asset keys share one namespace.</summary>
    public string? Key { get; set; }

    public string? Description { get; set; }

    /// <summary>Assets or ops of the same job this op runs after.</summary>
    public string[] Deps { get; set; } = [];
}

/// <summary>
/// The base of a step's run configuration, Dagster's <c>Config</c>: a class with settable properties, bound from the
/// run's config for the step (fields in snake_case: <c>CsvPath</c> is <c>csv_path</c>). A property marked
/// <c>required</c> must be given; an unknown field or a value of the wrong type is refused when the run is submitted,
/// naming the step and the field, and nothing runs.
/// </summary>
public abstract class StepConfig;

/// <summary>
/// A job, Dagster's <c>define_asset_job</c>: a named selection of assets (and ops) with tags, a description, a
/// default run config and a priority, launched by name from schedules, sensors, the CLI, the API and the dashboard.
/// </summary>
/// <param name="Name">Unique in the cluster; letters, digits and '_'.</param>
public sealed record JobDefinition(string Name)
{
    /// <summary>Which assets, in the selection syntax; none when the job runs only ops.</summary>
    public string? Selection { get; init; }

    /// <summary>Ops of this code location the job runs too.</summary>
    public IReadOnlyList<string> Ops { get; init; } = [];

    public string? Description { get; init; }

    /// <summary>Tags every run of the job gets (a run's own tags win).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs of higher priority leave the queue first (the tag <c>oa/priority</c> of a run overrides it).</summary>
    public int Priority { get; init; }

    /// <summary>
    /// The run config when a launch gives none: an object by step key, each the step's config fields, for example
    /// <c>new { raw_sales_data = new { path = "data/sales.csv" } }</c> (anything System.Text.Json writes as such an object).
    /// </summary>
    public object? DefaultConfig { get; init; }
}
